// The document contract, in one file: every read and write this app makes to Firebase.
// The mobile app does exactly the same calls (see clients/web/README.md). There is no HTTP API:
// the app writes creations/{id}; Cloud Functions do the rest and write the results back.
//
// Every `watch*` function attaches a live listener and returns its unsubscribe function.
// onError receives a FirestoreError (error.code: "permission-denied", "unavailable", ...).

import { initializeApp } from "firebase/app";
import {
  connectAuthEmulator,
  createUserWithEmailAndPassword,
  getAuth,
  onAuthStateChanged,
  signInAnonymously,
  signInWithEmailAndPassword,
  signOut,
} from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  deleteDoc,
  deleteField,
  doc,
  getDocFromServer,
  getDocs,
  getFirestore,
  limit,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  startAfter,
  updateDoc,
  where,
  writeBatch,
} from "firebase/firestore";

import { connectStorageEmulator, getStorage, ref as storageRef, uploadBytesResumable } from "firebase/storage";

import { EMULATORS, FIREBASE_CONFIG } from "./config.js";
import { newUploadId, uploadPath } from "./photo.js";

const app = initializeApp(FIREBASE_CONFIG);
export const auth = getAuth(app);
export const db = getFirestore(app);
connectAuthEmulator(auth, EMULATORS.auth, { disableWarnings: true });
connectFirestoreEmulator(db, EMULATORS.firestore.host, EMULATORS.firestore.port);
export const storage = getStorage(app);
connectStorageEmulator(storage, EMULATORS.storage.host, EMULATORS.storage.port);

// Server timestamps (createdAt, publishedAt) are null in the local copy until the server has
// them; "estimate" shows the local clock meanwhile instead of null.
const READ = { serverTimestamps: "estimate" };

// ---- auth ------------------------------------------------------------------------------

export function watchAuth(onChange) {
  return onAuthStateChanged(auth, onChange);
}

export const signInWithPassword = (email, password) => signInWithEmailAndPassword(auth, email, password);
export const signUpWithPassword = (email, password) => createUserWithEmailAndPassword(auth, email, password);
export const signInAsGuest = () => signInAnonymously(auth);
export const signOutUser = () => signOut(auth);

// ---- balance: users/{uid} (server-written; readable by its owner) ----------------------

// onChange({tokens, inFlight}). No document yet means 0 tokens (the rules say the same).
export function watchBalance(uid, onChange, onError) {
  return onSnapshot(
    doc(db, "users", uid),
    (snap) => {
      const data = snap.exists() ? snap.data() : {};
      onChange({ tokens: Number(data.tokens ?? 0), inFlight: Number(data.inFlight ?? 0) });
    },
    onError,
  );
}

// ---- ledger: users/{uid}/transactions (grant | debit | refund), newest first ------------

export function watchLedger(uid, count, onChange, onError) {
  const q = query(collection(db, "users", uid, "transactions"), orderBy("createdAt", "desc"), limit(count));
  return onSnapshot(
    q,
    (snap) => onChange(snap.docs.map((d) => ({ id: d.id, ...d.data(READ) }))),
    onError,
  );
}

// ---- creations: the user's requests, drafts, failures and published videos -------------

// The drafts list. The rules only allow queries filtered on userId == the signed-in uid.
// Needs the composite index creations(userId ASC, createdAt DESC) in a real project.
export function watchCreations(uid, count, onChange, onError) {
  const q = query(
    collection(db, "creations"),
    where("userId", "==", uid),
    orderBy("createdAt", "desc"),
    limit(count),
  );
  return onSnapshot(
    q,
    (snap) =>
      onChange(
        snap.docs.map((d) => ({ id: d.id, pendingWrite: d.metadata.hasPendingWrites, ...d.data(READ) })),
      ),
    onError,
  );
}

// One creation, live. Allowed before the document exists (the rules answer "not found"), so
// it can be attached before the request is written: onChange(null) until then.
export function watchCreation(id, onChange, onError) {
  return onSnapshot(
    doc(db, "creations", id),
    (snap) => onChange(snap.exists() ? { id: snap.id, ...snap.data(READ) } : null),
    onError,
  );
}

// Whether creations/{id} exists on the server now. Allowed for a missing id (the rules answer
// "not found"). Used after a refused write: a retried create whose first attempt landed is
// refused (it is judged as an update), and so is a second delete: both mean "already done".
export async function creationExists(id) {
  return (await getDocFromServer(doc(db, "creations", id))).exists();
}

// The prompt of one of the user's creations (the ledger names each entry's video), or null
// when it no longer exists (a missing id is allowed: the rules answer "not found").
export async function creationPrompt(id) {
  const snap = await getDocFromServer(doc(db, "creations", id));
  return snap.exists() ? snap.data().prompt : null;
}

// A new id chosen by the client: a retried write of the same id cannot make a second creation.
export function newCreationId() {
  return doc(collection(db, "creations")).id;
}

// The generation request: exactly these six fields (firestore.rules, validRequest).
// Resolves when the server accepted it; rejects with permission-denied when the rules refuse.
// ---- photos: uploads/{uid}/{uploadId} in the default Storage bucket ------------

// Uploads a photo (a File or Blob with its type) under a new id; onProgress(fraction 0..1).
// Resolves with the path a request names as `image` / `lastFrame`. storage.rules refuse
// another type, more than 10 MiB, another user's folder and any overwrite
// (error.code "storage/unauthorized").
export function uploadPhoto(uid, file, onProgress) {
  const path = uploadPath(uid, newUploadId());
  const task = uploadBytesResumable(storageRef(storage, path), file, { contentType: file.type });
  return new Promise((resolve, reject) => {
    task.on(
      "state_changed",
      (snap) => onProgress?.(snap.totalBytes ? snap.bytesTransferred / snap.totalBytes : 0),
      reject,
      () => resolve(path),
    );
  });
}

export function requestCreation(
  id, uid, { prompt, aspectRatio, duration, quality, resolution, audio, negativePrompt, seed, image, lastFrame },
) {
  return setDoc(doc(db, "creations", id), {
    userId: uid,
    prompt,
    aspectRatio,
    duration, // a JS integer is stored as an integer: the rules require `duration is int`
    // Veo's choices: each optional; the price is the same whether a default is
    // sent or left out. An empty negative prompt or seed is left out (the rules refuse "").
    ...(quality === undefined ? {} : { quality }),
    ...(resolution === undefined ? {} : { resolution }),
    ...(audio === undefined ? {} : { audio: Boolean(audio) }),
    ...(negativePrompt ? { negativePrompt } : {}),
    ...(seed === null || seed === undefined ? {} : { seed }),
    // Start from a photo: uploads/{uid}/{uploadId} paths of this user's uploads (lastFrame only with image).
    ...(image ? { image } : {}),
    ...(image && lastFrame ? { lastFrame } : {}),
    status: "pending",
    createdAt: serverTimestamp(),
  });
}

// The client's one update: an own draft becomes published, in ONE batch with the create of
// publications/{id} (the rules refuse either alone; the publication is what wakes the server,
// which then copies the video and writes feed/{id}).
export function publishCreation(id) {
  const batch = writeBatch(db);
  batch.update(doc(db, "creations", id), { status: "published", publishedAt: serverTimestamp() });
  batch.set(doc(db, "publications", id), { userId: auth.currentUser.uid, createdAt: serverTimestamp() });
  return batch.commit();
}

// Own draft, failed or published creations only (never while pending/processing). The server
// then removes the videos and the feed entry.
export function deleteCreation(id) {
  return deleteDoc(doc(db, "creations", id));
}

// ---- feed: published videos of every user (server-written; any signed-in user reads) ---

// The rules refuse a feed query that does not filter on visible == true (entries hidden by
// reports are unreadable). Each item keeps its snapshot (`cursor`) to page after it.
function feedQuery(...more) {
  return query(collection(db, "feed"), where("visible", "==", true), orderBy("publishedAt", "desc"), ...more);
}

function feedItems(snap) {
  return snap.docs.map((d) => Object.defineProperty({ id: d.id, ...d.data(READ) }, "cursor", { value: d }));
}

export function watchFeed(count, onChange, onError) {
  return onSnapshot(feedQuery(limit(count)), (snap) => onChange(feedItems(snap)), onError);
}

// One older page, once (not live), after the item `after` (its snapshot is the cursor).
export async function feedPageAfter(after, count) {
  return feedItems(await getDocs(feedQuery(startAfter(after.cursor), limit(count))));
}

// ---- unpublish, display names, reports ---------------------------------------

// Own published creation back to draft: status, and publishedAt removed, nothing else, in one
// batch with the delete of publications/{id}. The server then removes the feed entry and the
// public copies; the draft stays. Published again, the entry keeps its first place in the feed.
export function unpublishCreation(id) {
  const batch = writeBatch(db);
  batch.update(doc(db, "creations", id), { status: "draft", publishedAt: deleteField() });
  batch.delete(doc(db, "publications", id));
  return batch.commit();
}

// profiles/{uid}: only its owner reads or writes it. null when never set.
export async function getDisplayName(uid) {
  const snap = await getDocFromServer(doc(db, "profiles", uid));
  return snap.exists() ? snap.data().displayName : null;
}

export function setDisplayName(uid, displayName) {
  return setDoc(doc(db, "profiles", uid), { displayName, updatedAt: serverTimestamp() });
}

// displayNames/{uid}: the server's judgement of the requested name (owner-readable only): the
// name the feed shows, and error {code, message} when the request was refused (a name another
// creator holds, or looks like; too many changes). onChange(null) until the server wrote it.
export function watchAcceptedName(uid, onChange, onError) {
  return onSnapshot(doc(db, "displayNames", uid), (snap) => onChange(snap.exists() ? snap.data() : null), onError);
}

// Once per user and entry (the document id is the reporter's uid); never readable afterwards.
export function reportEntry(id, uid, reason) {
  return setDoc(doc(db, "feed", id, "reports", uid), { reason, createdAt: serverTimestamp() });
}
