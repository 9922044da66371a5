// The seven emotions the model estimates, in the model's order, with one fixed colour each.
// Colours are from the Okabe-Ito palette (distinguishable with common colour-vision deficiencies);
// the pages always show the emotion's name as text too, never colour alone.

export const EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];

export const EMOTION_COLORS = {
  angry: "#D55E00",
  disgust: "#009E73",
  fear: "#CC79A7",
  happy: "#E69F00",
  sad: "#0072B2",
  surprise: "#56B4E9",
  neutral: "#9AA0A6",
};

export const EMOTION_LABELS = {
  angry: "Angry",
  disgust: "Disgust",
  fear: "Fear",
  happy: "Happy",
  sad: "Sad",
  surprise: "Surprise",
  neutral: "Neutral",
};

export function emotionLabel(emotion) {
  return EMOTION_LABELS[emotion] || (emotion ? String(emotion) : "—");
}
