// The server's word lists (engagement/vocabulary.py), read from the page's "pulse-vocabulary" JSON element
// (base.html). Nothing here is a copy: emotions, voice buttons, flags, sensitivities, poll answers, camera
// states and the student's picture hints are defined once, on the server.
import { readJSON } from "./util.js";

const vocabulary = readJSON("pulse-vocabulary", null);
if (!vocabulary) console.error("The page has no pulse-vocabulary element: labels fall back to raw names.");
const words = vocabulary || {};

export const EMOTIONS = words.emotions || [];
export const EMOTION_LABELS = words.emotion_labels || {};
export const REPORT_KINDS = words.report_kinds || [];
export const REPORT_LABELS = words.report_labels || {};
export const FLAG_KINDS = words.flag_kinds || [];
export const FLAG_LABELS = words.flag_labels || {};
export const FLAG_CAUSE_LABELS = words.flag_cause_labels || {};
export const SENSITIVITIES = words.sensitivities || [];
export const SENSITIVITY_LABELS = words.sensitivity_labels || {};
export const POLL_ANSWERS = words.poll_answers || [];
export const POLL_ANSWER_LABELS = words.poll_answer_labels || {};
export const CAMERA_STATES = words.camera_states || [];
export const QUALITY_HINTS = words.quality_hints || {};
export const EXPLANATION_MESSAGES = words.explanation_messages || {};
