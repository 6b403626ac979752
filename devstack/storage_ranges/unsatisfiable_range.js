// Loaded into the `firebase emulators:start` process with NODE_OPTIONS=--require (devstack).
//
// Why: the Storage emulator (firebase-tools lib/emulator/storage/apis/shared.js, sendFileBytes)
// answers a Range that starts at or past the end of the object with 200 and the WHOLE object.
// Cloud Storage (like any HTTP server, RFC 9110 section 15.5.17) answers 416 Range Not
// Satisfiable, and google-cloud-storage's BlobReader (blob.open("rb")) counts on that 416 as
// its end of file. Against the unpatched emulator a streamed read of an object larger than
// one chunk never ends: each read past the end gets the whole object again (duplicated
// bytes, "received N more bytes than requested" warnings). This makes the emulator answer
// as Cloud Storage does and changes nothing else.
"use strict";
const Module = require("module");

const TARGET = /[\\/]emulator[\\/]storage[\\/]apis[\\/]shared\.js$/;
const originalLoad = Module._load;

function patch(shared) {
  const send = shared.sendFileBytes;
  if (typeof send !== "function" || send.rangePatched) return;
  const patched = function sendFileBytes(md, data, req, res) {
    // A gzip object served decompressed ignores Range (as Cloud Storage does): leave it alone.
    const decompressing = md.contentEncoding === "gzip" && !(req.header("accept-encoding") || "").includes("gzip");
    if (!decompressing && req.header("range") && req.range(data.byteLength, { combine: true }) === -1) {
      res.setHeader("Content-Range", `bytes */${data.byteLength}`);
      res.status(416).end();
      return;
    }
    return send(md, data, req, res);
  };
  patched.rangePatched = true;
  shared.sendFileBytes = patched;
}

Module._load = function load(request, parent, isMain) {
  const exported = originalLoad.apply(this, arguments);
  if (request.endsWith("shared") || request.endsWith("shared.js")) {
    try {
      if (TARGET.test(Module._resolveFilename(request, parent, isMain))) patch(exported);
    } catch (_) {
      // Not the module we patch.
    }
  }
  return exported;
};
