// Flag explanations in the reader's language and clock: the server sends each as messages ({id, params}, see
// engagement/core/explain.py) and the page's vocabulary carries the templates, translated. A condition still
// holding reads "since 10:42" in the viewer's own time zone, so it never goes stale.
import { format } from "./i18n.js";
import { clock, spanText } from "./util.js";
import { EXPLANATION_MESSAGES, FLAG_CAUSE_LABELS, FLAG_LABELS } from "./vocabulary.js";

function paramText(name, value) {
  if (value === null || value === undefined) return "";
  if (name.endsWith("_at")) return clock(value);
  if (name.endsWith("_s")) return spanText(value);
  if (name.endsWith("_msg")) return EXPLANATION_MESSAGES[value] ?? String(value);
  if (name === "kind") return FLAG_LABELS[value] ?? String(value);
  return String(value);
}

/** One message as a sentence ("" for an id this page does not know). */
export function messageText(message) {
  const template = message && EXPLANATION_MESSAGES[message.id];
  if (!template) return "";
  const values = {};
  for (const [name, value] of Object.entries(message.params || {})) values[name] = paramText(name, value);
  return format(template, values).replace(/%%/g, "%");
}

/** A flag's explanation as the sentences a teacher reads: from its messages when it has them, else its text. */
export function explanationText(flag) {
  const messages = flag && flag.explanation_messages;
  if (Array.isArray(messages) && messages.length) {
    const text = messages.map(messageText).filter(Boolean).join(" ");
    if (text) return text;
  }
  return (flag && flag.explanation) || "";
}

/** A flag's name: its cause's label where it has one ("Tab hidden"), else its kind's ("Away"). */
export function flagLabel(flag) {
  return (flag && (FLAG_CAUSE_LABELS[flag.cause] || FLAG_LABELS[flag.kind])) || (flag && flag.kind) || "";
}
