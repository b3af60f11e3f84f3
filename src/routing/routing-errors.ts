import { AppError } from "../errors/index.js";

/** 422: an image name that Docker would refuse (upper case, a tag, bad host…). */
export class ImageNameError extends AppError {
  readonly code = "ERR_IMAGE_NAME";
  override readonly status = 422;
}
