// Plain-language labels for the protocol's enumerations (docs/protocol.md). The lists and the words the
// server also uses come from it (vocabulary.js); the phrasings below are the dashboard's own, keyed by them, in the
// reader's language (i18n.js).
import { format, gettext, ngettext, pgettext } from "./i18n.js";

export {
  FLAG_LABELS,
  POLL_ANSWER_LABELS as POLL_OPTION_LABELS,
  REPORT_KINDS as VOICE_KINDS,
  REPORT_LABELS as VOICE_LABELS,
} from "./vocabulary.js";

/** How the teacher reads a voice count, after the number: "5" + " students say too fast". */
export function voiceCountPhrase(kind, n) {
  switch (kind) {
    case "confused": return ngettext("student is confused", "students are confused", n);
    case "too_fast": return ngettext("student says too fast", "students say too fast", n);
    case "too_slow": return ngettext("student says too slow", "students say too slow", n);
    case "all_good": return ngettext("student says all good", "students say all good", n);
    case "raise_hand": return ngettext("hand raised", "hands raised", n);
    default: return format(ngettext("student: %(kind)s", "students: %(kind)s", n), { kind });
  }
}

/** What a student's report reads like on the teacher's side, after their name. */
export const VOICE_REPORTED = {
  confused: gettext("is confused"),
  too_fast: gettext("says too fast"),
  too_slow: gettext("says too slow"),
  all_good: gettext("says all good"),
  raise_hand: gettext("raised a hand"),
};

export const STATUS_LABELS = {
  waiting: gettext("Waiting"),
  live: pgettext("a student's status", "Live"),
  no_face: gettext("No face"),
  cant_see: gettext("Can't see"),
  paused: gettext("Camera paused"),
  disconnected: gettext("Disconnected"),
};

export const QUALITY_LABELS = {
  ok: gettext("Clear picture"),
  no_face: gettext("No face in view"),
  too_dark: gettext("Too dark"),
  too_blurry: gettext("Blurry"),
  face_too_small: gettext("Too far from the camera"),
};

