// Start from a photo: what the app checks before uploading and requesting, as
// functions/domain/uploads.py and storage.rules define it (tests/test_upload_limits.py holds
// these numbers to the server's). Pure: no Firebase here.

export const UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"];
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MIN_SHORT_SIDE = 360;
export const MAX_LONG_SIDE = 8192;
// width / height a photo may have for each aspect ratio of the video.
export const ASPECT_BOUNDS = { "16:9": [1.25, 2.5], "9:16": [0.4, 0.8] };
export const UPLOAD_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function uploadPath(uid, uploadId) {
  if (!UPLOAD_ID_PATTERN.test(uploadId)) throw new RangeError(`bad upload id ${uploadId}`);
  return `uploads/${uid}/${uploadId}`;
}

// A random id of the allowed alphabet: an upload is never overwritten (the rules refuse it).
export function newUploadId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Why this file cannot be uploaded, or null. `file`: {type, size}.
export function fileProblem(file) {
  if (!file) return null;
  if (!UPLOAD_CONTENT_TYPES.includes(file.type)) return "Choose a JPEG, PNG or WebP photo.";
  if (file.size > MAX_UPLOAD_BYTES) return "The photo is larger than 10 MB.";
  return null;
}

// Why a photo of this displayed size cannot start a video of this aspect ratio, or null.
export function shapeProblem(width, height, aspectRatio) {
  if (!width || !height) return null; // not measured yet
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  if (short < MIN_SHORT_SIDE) return `The photo is too small (${width}×${height}): at least ${MIN_SHORT_SIDE} px a side.`;
  if (long > MAX_LONG_SIDE) return `The photo is too large (${width}×${height}): at most ${MAX_LONG_SIDE} px a side.`;
  const [low, high] = ASPECT_BOUNDS[aspectRatio];
  const ratio = width / height;
  if (ratio < low || ratio > high) {
    return aspectRatio === "16:9"
      ? "This photo is not landscape enough for a 16:9 video: choose 9:16 or another photo."
      : "This photo is not portrait enough for a 9:16 video: choose 16:9 or another photo.";
  }
  return null;
}
