import { Temporal } from "temporal-polyfill";
import { DomainError } from "../kernel/errors.js";
import "./errors.js";

/**
 * The version in effect at an instant: each holds from its effective_from up
 * to the next one's, half-open, so an instant on a boundary takes the new price.
 */
export function priceVersionAt<Version extends { effective_from: Temporal.Instant }>(
  versions: readonly Version[],
  instant: Temporal.Instant,
): Version {
  const sorted = [...versions].sort((a, b) => Temporal.Instant.compare(a.effective_from, b.effective_from));
  let inEffect: Version | undefined;
  for (const [index, version] of sorted.entries()) {
    if (sorted[index + 1]?.effective_from.equals(version.effective_from)) {
      throw new DomainError("invalid_price_versions", `two versions take effect at ${version.effective_from}`, {
        param: "effective_from",
      });
    }
    if (Temporal.Instant.compare(version.effective_from, instant) <= 0) inEffect = version;
  }
  if (inEffect === undefined) {
    throw new DomainError("price_version_not_found", `no version of the price is in effect at ${instant}`);
  }
  return inEffect;
}
