/**
 * A fetch that counts the calls in flight, to show whether a handler's calls
 * overlap (concurrent records) or not (records of one schema).
 */
export function inFlightCountingFetch() {
  let inFlight = 0;
  let maxInFlight = 0;
  const countingFetch: typeof fetch = async (...args) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await fetch(...args);
    } finally {
      inFlight -= 1;
    }
  };
  return {
    fetch: countingFetch,
    /** The most calls in flight at once since the last reset. */
    get maxInFlight() {
      return maxInFlight;
    },
    resetMax() {
      maxInFlight = inFlight;
    },
  };
}
