/** Waits `ms`, or rejects with the signal's reason when it is aborted first. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    // The listener before the timer: if the signal refuses it (not a real AbortSignal), the promise
    // rejects here and no timer is left behind to fail later, outside any caller's reach.
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => {
      try {
        signal?.removeEventListener('abort', onAbort);
      } catch {
        // Nothing may throw from a timer: there, it would end the process.
      }
      resolve();
    }, ms);
  });
}
