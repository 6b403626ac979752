// Where the app finds Firebase. Locally: the emulators that `make dev` starts
// (devstack/stack.py). The API key is not checked by the emulators.
export const FIREBASE_CONFIG = {
  projectId: "demo-phoenix",
  apiKey: "demo-phoenix-local-key",
  authDomain: "demo-phoenix.firebaseapp.com",
  // The default Storage bucket: photos go to uploads/{uid}/{uploadId} in it.
  storageBucket: "demo-phoenix.appspot.com",
};

export const EMULATORS = {
  auth: "http://127.0.0.1:9099",
  firestore: { host: "127.0.0.1", port: 8080 },
  storage: { host: "127.0.0.1", port: 9199 },
};

// How many documents each live list asks for (raised by "Show more", up to the rules' caps
// in paging.js).
export const PAGE_SIZE = 20;
