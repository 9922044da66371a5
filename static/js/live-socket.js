// A small reconnecting WebSocket for the live pages (protocol v1, docs/protocol.md).
//
// - reconnects after a drop with exponential backoff and jitter (1 s, 2 s, 4 s ... 30 s);
// - stops for good on the close codes that retrying cannot fix (4001, 4003, 4004; the page may add more);
// - parses JSON text messages, hands binary ones (ArrayBuffer) through unchanged;
// - sendJSON / sendBinary do nothing (and return false) while the socket is not open.
//
// Status objects passed to onStatus:
//   {state: "connecting", attempt}
//   {state: "open"}
//   {state: "reconnecting", attempt, delayMs, retryAt, code}
//   {state: "closed", code, reason}      final: a close code listed in FINAL_CODES
//   {state: "stopped"}                  final: stop() was called

import { gettext } from "./i18n.js";

export const FINAL_CODES = new Set([4001, 4003, 4004]);

// What a person reads for each close code, in their language (the server's close reason, if any, is English and
// for developers: the pages show these instead).
export const CLOSE_REASONS = {
  4001: gettext("Your sign-in or join link is no longer valid."),
  4003: gettext("You are not allowed to open this session."),
  4004: gettext("The session is not live."),
  4029: gettext("This page is open in too many tabs."),
};

export function wsUrl(path) {
  if (/^wss?:\/\//.test(path)) return path;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path.startsWith("/") ? "" : "/"}${path}`;
}

export class LiveSocket {
  constructor(path, { onMessage = () => {}, onStatus = () => {}, minDelayMs = 1000, maxDelayMs = 30000, finalCodes = FINAL_CODES } = {}) {
    this.url = wsUrl(path);
    this.finalCodes = new Set(finalCodes);
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.status = { state: "idle" };
    this._onOnline = () => this.retryNow();
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the browser and not yet sent (0 when closed). */
  get bufferedAmount() {
    return this.ws ? this.ws.bufferedAmount : 0;
  }

  start() {
    clearTimeout(this.timer);
    this.stopped = false;
    this.attempt = 0;
    window.addEventListener("online", this._onOnline);
    this._connect();
    return this;
  }

  /** Close for good: no more reconnects. */
  stop(code = 1000, reason = "") {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this._onOnline);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    }
    this._setStatus({ state: "stopped" });
  }

  /** Skip the remaining backoff wait (e.g. when the browser comes back online). */
  retryNow() {
    if (this.stopped || this.status.state !== "reconnecting") return;
    clearTimeout(this.timer);
    this._connect();
  }

  sendJSON(message) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  sendBinary(data) {
    if (!this.isOpen) return false;
    this.ws.send(data);
    return true;
  }

  _setStatus(status) {
    this.status = status;
    try {
      this.onStatus(status);
    } catch (err) {
      console.error(err);
    }
  }

  _connect() {
    if (this.stopped) return;
    this._setStatus({ state: "connecting", attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.error(err);
      this._scheduleReconnect(0);
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => this._setStatus({ state: "open" });
    ws.onmessage = (event) => this._handleMessage(event);
    ws.onclose = (event) => this._handleClose(event);
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => {};
  }

  _handleMessage(event) {
    // A message proves the server accepted us: the next drop starts the backoff afresh.
    this.attempt = 0;
    let data = event.data;
    if (typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch (err) {
        console.warn("Ignoring a message that is not JSON", err);
        return;
      }
    }
    try {
      this.onMessage(data);
    } catch (err) {
      console.error(err);
    }
  }

  _handleClose(event) {
    this.ws = null;
    if (this.stopped) return;
    if (this.finalCodes.has(event.code)) {
      this.stopped = true;
      window.removeEventListener("online", this._onOnline);
      this._setStatus({ state: "closed", code: event.code, reason: CLOSE_REASONS[event.code] || event.reason || "" });
      return;
    }
    this._scheduleReconnect(event.code);
  }

  _scheduleReconnect(code) {
    const base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempt);
    // Jitter of +/-25% so a class of thirty browsers does not reconnect in lockstep.
    const delayMs = Math.round(Math.min(this.maxDelayMs, base * (0.75 + Math.random() * 0.5)));
    this.attempt += 1;
    this.timer = setTimeout(() => this._connect(), delayMs);
    this._setStatus({ state: "reconnecting", attempt: this.attempt, delayMs, retryAt: Date.now() + delayMs, code });
  }
}
