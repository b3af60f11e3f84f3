import tseslint from "typescript-eslint";
import { INDEX_ONLY_PATTERN, layerConfigs } from "./eslint/layers.js";

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
    // Benchmarks (run against dist/), scripts and the lint tables are plain ESM: lint them without type information.
    files: ["bench/**/*.mjs", "scripts/**/*.mjs", "eslint/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "no-console": "off" },
  },
);
