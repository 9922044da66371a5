// The side panels: student voice (counts and recent feed) and the pulse-check poll.
import { POLL_OPTION_LABELS, VOICE_KINDS, VOICE_LABELS, VOICE_REPORTED, voiceCountPhrase } from "../labels.js";
import { POLL_ANSWERS } from "../vocabulary.js";
import { format, formatNumber, gettext, ngettext } from "../i18n.js";
import { ago, clock, h, setText } from "../util.js";

const FEED_LIMIT = 30;

export class VoicePanel {
  constructor({ countsEl, feedEl, emptyEl }) {
    this.countsEl = countsEl;
    this.feedEl = feedEl;
    this.emptyEl = emptyEl;
    this.counts = {};
    this.recent = [];
    this.countRefs = new Map();
    for (const kind of VOICE_KINDS) {
      const value = h("span", { class: "voice-count__n" }, "0");
      const label = h("span", { class: "voice-count__label" }, voiceCountPhrase(kind, 0));
      const li = h("li", { class: `voice-count voice-count--${kind}` }, value, " ", label);
      this.countRefs.set(kind, { li, value, label });
      countsEl.append(li);
    }
  }

  set({ counts, recent }) {
    this.counts = { ...(counts || {}) };
    this.recent = [...(recent || [])].sort((a, b) => b.t - a.t).slice(0, FEED_LIMIT);
    this._renderCounts();
    this._renderFeed();
  }

  add(report, counts) {
    if (counts) this.counts = { ...counts };
    this.recent.unshift(report);
    this.recent.length = Math.min(this.recent.length, FEED_LIMIT);
    this._renderCounts();
    this._renderFeed();
  }

  tick() {
    for (const el of this.feedEl.querySelectorAll("[data-t]")) setText(el, ago(Number(el.dataset.t)));
  }

  _renderCounts() {
    for (const [kind, refs] of this.countRefs) {
      const n = Number(this.counts[kind] || 0);
      setText(refs.value, String(n));
      setText(refs.label, voiceCountPhrase(kind, n));
      refs.li.classList.toggle("voice-count--zero", n === 0);
    }
  }

  _renderFeed() {
    this.feedEl.replaceChildren(...this.recent.map((r) =>
      h("li", { class: `feed__item feed__item--${r.kind}` },
        h("p", { class: "feed__line" },
          h("strong", { dir: "auto" }, r.name || gettext("A student")), " ",
          VOICE_REPORTED[r.kind] || VOICE_LABELS[r.kind] || r.kind),
        r.text ? h("p", { class: "feed__text" }, h("q", { dir: "auto" }, r.text)) : null,
        h("p", { class: "feed__when muted small" },
          h("time", { datetime: new Date(r.t * 1000).toISOString(), title: clock(r.t, true) },
            h("span", { dataset: { t: String(r.t) } }, ago(r.t)))))));
    this.emptyEl.hidden = this.recent.length > 0;
  }
}

export class PollPanel {
  /**
   * @param {object} els {form, question, live, liveQuestion, liveState, bars, closeButton, newButton, endedNote}
   * @param {object} actions {start(question), close(pollId), announce(text)}
   */
  constructor(els, actions) {
    this.els = els;
    this.actions = actions;
    this.poll = null;
    this.connected = 0;
    this.ended = false;
    els.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = els.question.value.trim() || gettext("Is this clear?");
      if (this.actions.start(question)) {
        els.form.querySelector("button[type=submit]").disabled = true;
        setText(els.liveState, gettext("Starting…"));
      }
    });
    els.closeButton.addEventListener("click", () => {
      if (this.poll && this.actions.close(this.poll.id)) els.closeButton.disabled = true;
    });
    els.newButton.addEventListener("click", () => {
      this.poll = null;
      this._render();
      els.question.focus();
    });
  }

  setConnected(n) {
    this.connected = n;
    if (this.poll) this._render();
  }

  /** From the snapshot: show the open poll, or else the latest closed one. */
  setAll(polls) {
    const list = [...(polls || [])].sort((a, b) => b.id - a.id);
    this.poll = list.find((p) => p.open) || list[0] || null;
    this._render();
  }

  update(poll) {
    const wasOpen = this.poll && this.poll.id === poll.id && this.poll.open;
    const isNew = !this.poll || this.poll.id !== poll.id;
    this.poll = poll;
    this._render();
    if (isNew && poll.open) {
      this.actions.announce(format(gettext("Pulse check started: %(question)s"), { question: poll.question }));
      this.els.closeButton.focus();
    }
    if (wasOpen && !poll.open) {
      this.actions.announce(format(gettext("Pulse check closed. %(results)s"), { results: this._summary() }));
      this.els.newButton.focus();
    }
  }

  /** The session ended: results stay readable, nothing new can be asked. */
  end() {
    this.ended = true;
    this._render();
  }

  /** The socket dropped: let the teacher try again. */
  reset() {
    this.els.form.querySelector("button[type=submit]").disabled = false;
    this.els.closeButton.disabled = false;
  }

  _summary() {
    const counts = (this.poll && this.poll.counts) || {};
    const options = (this.poll && this.poll.options) || POLL_ANSWERS;
    return options.map((o) => format(gettext("%(answer)s: %(count)s"), { answer: POLL_OPTION_LABELS[o] || o, count: formatNumber(Number(counts[o] || 0)) })).join(", ");
  }

  _render() {
    const { els, poll } = this;
    const submit = els.form.querySelector("button[type=submit]");
    els.endedNote.hidden = !this.ended;
    if (!poll) {
      els.form.hidden = this.ended;
      els.live.hidden = true;
      submit.disabled = false;
      return;
    }
    // A poll on screen (open, or closed with its results) replaces the question form.
    els.form.hidden = true;
    submit.disabled = false;
    els.live.hidden = false;
    els.closeButton.hidden = !poll.open || this.ended;
    els.closeButton.disabled = false;
    els.newButton.hidden = poll.open || this.ended;
    setText(els.liveQuestion, poll.question);
    const counts = poll.counts || {};
    const options = poll.options || POLL_ANSWERS;
    const total = options.reduce((sum, o) => sum + Number(counts[o] || 0), 0);
    const answers = this.connected
      ? format(ngettext("%(count)s answer of %(connected)s connected", "%(count)s answers of %(connected)s connected", total), { count: formatNumber(total), connected: formatNumber(this.connected) })
      : format(ngettext("%(count)s answer", "%(count)s answers", total), { count: formatNumber(total) });
    setText(els.liveState, format(gettext("%(state)s · %(answers)s"), { state: poll.open ? gettext("Open") : gettext("Closed"), answers }));
    els.bars.replaceChildren(...options.map((option) => {
      const n = Number(counts[option] || 0);
      const share = total ? n / total : 0;
      const fill = h("span", { class: `poll-bar__fill poll-bar__fill--${option}` });
      fill.style.width = `${Math.round(share * 100)}%`;
      return h("div", { class: "poll-bar" },
        h("p", { class: "poll-bar__label" },
          h("span", {}, POLL_OPTION_LABELS[option] || option),
          h("span", { class: "poll-bar__n" }, total ? format(gettext("%(count)s (%(percent)s)"), { count: formatNumber(n), percent: formatNumber(share, { style: "percent", maximumFractionDigits: 0 }) }) : formatNumber(n))),
        h("span", { class: "poll-bar__track", "aria-hidden": "true" }, fill));
    }));
  }
}
