import tseslint from "typescript-eslint";
import { INDEX_ONLY_PATTERN, layerConfigs } from "./eslint/layers.js";

/** The browser globals the dashboard's modules use (no-undef catches a typo or a Node-only name). */
const BROWSER_GLOBALS = [
  ...["window", "document", "location", "history", "sessionStorage", "fetch", "setTimeout", "clearTimeout"],
  ...["setInterval", "clearInterval", "AbortController", "URLSearchParams", "TextDecoderStream"],
  ...["DOMException", "Element", "Node"],
];

export default tseslint.config(
  { ignores: ["dist/**", "coverage/**", "node_modules/**", "bin/**", "eslint.config.js"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [INDEX_ONLY_PATTERN],
        },
      ],
    },
  },
  // Layering (eslint/layers.js): per-folder overrides of the rule above.
  ...layerConfigs(new URL("./src", import.meta.url).pathname),
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-console": "off",
    },
  },
  {
    // The dashboard (src/dashboard/): plain browser ES modules, served as they are (no build step).
    files: ["src/dashboard/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: "module",
      parserOptions: { projectService: false, project: null },
      globals: Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, "readonly"])),
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "no-undef": "error" },
  },
  {
    // Benchmarks (run against dist/), scripts and the lint tables are plain ESM: lint them without type information.
    files: ["bench/**/*.mjs", "scripts/**/*.mjs", "eslint/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "no-console": "off" },
  },
);
