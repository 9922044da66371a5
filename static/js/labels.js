// Plain-language labels for the protocol's enumerations (docs/protocol.md).

export const VOICE_KINDS = ["confused", "too_fast", "too_slow", "all_good", "raise_hand"];

export const VOICE_LABELS = {
  confused: "I'm confused",
  too_fast: "Too fast",
  too_slow: "Too slow",
  all_good: "All good",
  raise_hand: "Raise hand",
};

/** How the teacher reads a voice count: "5 students say too fast". */
export function voiceCountPhrase(kind, n) {
  const students = n === 1 ? "student" : "students";
  const say = n === 1 ? "says" : "say";
  switch (kind) {
    case "confused": return `${students} ${n === 1 ? "is" : "are"} confused`;
    case "too_fast": return `${students} ${say} too fast`;
    case "too_slow": return `${students} ${say} too slow`;
    case "all_good": return `${students} ${say} all good`;
    case "raise_hand": return n === 1 ? "hand raised" : "hands raised";
    default: return `${students}: ${kind}`;
  }
}

/** What a student's report reads like on the teacher's side. */
export const VOICE_REPORTED = {
  confused: "is confused",
  too_fast: "says too fast",
  too_slow: "says too slow",
  all_good: "says all good",
  raise_hand: "raised a hand",
};

export const STATUS_LABELS = {
  waiting: "Waiting",
  live: "Live",
  no_face: "No face",
  cant_see: "Can't see",
  paused: "Camera paused",
  disconnected: "Disconnected",
};

export const QUALITY_LABELS = {
  ok: "Clear picture",
  no_face: "No face in view",
  too_dark: "Too dark",
  too_blurry: "Blurry",
  face_too_small: "Too far from the camera",
};

export const FLAG_LABELS = {
  absent: "Absent",
  confused: "Confused",
  bored: "Bored",
  looking_away: "Looking away",
};

export const POLL_OPTION_LABELS = {
  yes: "Yes",
  not_yet: "Not yet",
};
