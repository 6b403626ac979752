"""A local stand-in for Firebase's storage rules runtime (`cloud-storage-rules-runtime-*.jar`).

firebase-tools' Storage emulator always runs that jar, a download that is unreachable offline.
This package speaks the jar's stdin/stdout protocol (JSON lines, read from firebase-tools'
lib/emulator/storage/rules/runtime.js) and evaluates the rules with `evaluator`; `launcher`
builds the small jar firebase-tools is pointed at (STORAGE_EMULATOR_BINARY_PATH).
"""
