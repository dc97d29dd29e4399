/**
 * The shared state of one probe run that samples need: cancellation, and the
 * sockets still closing.
 *
 * Every open socket registers a cancel function here instead of adding a
 * listener to an AbortSignal: a thousand peers would mean hundreds of
 * listeners on one signal (and Node's leak warning), where a Set costs nothing.
 *
 * A sample resolves as soon as its result is known; its socket's close is
 * tracked here and awaited once, at the end of the run, rather than in every
 * peer's chain of samples, where each wait would cost a loop turn per sample.
 */
export class RunScope {
  #cancels = new Set<() => void>();
  #closing = 0;
  #idle: Array<() => void> = [];
  #reason: string | undefined;

  get cancelled(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): string {
    return this.#reason ?? "";
  }

  /** Registers `cancel`; returns its removal. Cancels at once if the scope already is. */
  add(cancel: () => void): () => void {
    if (this.#reason !== undefined) {
      cancel();
      return () => {};
    }
    this.#cancels.add(cancel);
    return () => {
      this.#cancels.delete(cancel);
    };
  }

  cancel(reason: string): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const cancels = [...this.#cancels];
    this.#cancels.clear();
    for (const cancel of cancels) {
      try {
        cancel();
      } catch {
        // A cancel only destroys a socket; nothing to report if that throws.
      }
    }
  }

  /**
   * Counts a socket as closing; call the returned function once it is closed
   * (bounded: see socket.ts). A counter rather than a promise per socket: a
   * run opens thousands.
   */
  closing(): () => void {
    this.#closing++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#closing--;
      if (this.#closing === 0) {
        const waiters = this.#idle;
        this.#idle = [];
        for (const wake of waiters) wake();
      }
    };
  }

  /** Resolves once every counted socket is closed. */
  closed(): Promise<void> {
    if (this.#closing === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
