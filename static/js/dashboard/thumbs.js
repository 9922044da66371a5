// Which tiles are on screen, told to the server so it sends snapshot thumbnails for those only, at the rate the
// teacher chose (the `thumbnails` command, docs/protocol.md; live/thumbnails.py on the server).

const STORAGE_KEY = "pulse.thumbnailRate";
const SEND_DELAY_MS = 250;

export class ThumbnailWatch {
  /**
   * @param {HTMLElement} gallery the <ul> of tiles
   * @param {HTMLSelectElement|null} select the rate control (absent when the session shows no snapshots)
   * @param {(message: object) => boolean} send sends a command over the socket; false when not connected
   * @param {(id?: number) => void} drop drops one tile's thumbnail (scrolled out of view), or every one (switched off)
   */
  constructor(gallery, select, send, drop) {
    this.select = select;
    this.send = send;
    this.visible = new Set();
    this.timer = null;
    this.observer = null;
    if (!select) return;
    try {
      const saved = localStorage.getItem(STORAGE_KEY);
      if (saved !== null && [...select.options].some((o) => o.value === saved)) select.value = saved;
    } catch {
      // Storage may be off: the page's default rate stands.
    }
    select.addEventListener("change", () => {
      try {
        localStorage.setItem(STORAGE_KEY, select.value);
      } catch {
        // As above.
      }
      if (this.everyS === 0) drop();
      this.tell();
    });
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const id = Number(entry.target.dataset.studentId);
        if (entry.isIntersecting) this.visible.add(id);
        else if (this.visible.delete(id)) drop(id); // no stale picture off screen: the next one comes on return
      }
      this.schedule();
    }, { rootMargin: "100px 0px" });
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) if (node.dataset?.studentId) this.observer.observe(node);
        for (const node of record.removedNodes) {
          if (node.dataset?.studentId && !node.isConnected) {
            this.observer.unobserve(node);
            this.visible.delete(Number(node.dataset.studentId));
          }
        }
      }
    }).observe(gallery, { childList: true });
  }

  get everyS() {
    return this.select ? Number(this.select.value) : 0;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tell(), SEND_DELAY_MS);
  }

  /** Tell the server now (also after every reconnect: a new socket starts with no thumbnails). */
  tell() {
    if (!this.select) return;
    clearTimeout(this.timer);
    const visible = this.everyS > 0 ? [...this.visible].sort((a, b) => a - b) : [];
    this.send({ type: "thumbnails", every_s: this.everyS, visible });
  }
}
