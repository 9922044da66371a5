// The emotions the model estimates (from the server, in the model's order), with one fixed colour each.
// Colours are from the Okabe-Ito palette (distinguishable with common colour-vision deficiencies);
// the pages always show the emotion's name as text too, never colour alone.
import { EMOTION_LABELS } from "./vocabulary.js";

export { EMOTIONS, EMOTION_LABELS } from "./vocabulary.js";

export const EMOTION_COLORS = {
  angry: "#D55E00",
  disgust: "#009E73",
  fear: "#CC79A7",
  happy: "#E69F00",
  sad: "#0072B2",
  surprise: "#56B4E9",
  neutral: "#9AA0A6",
};

export function emotionLabel(emotion) {
  return EMOTION_LABELS[emotion] || (emotion ? String(emotion) : "—");
}
