import type { Bindings, Logger } from "pino";

const levelMethods = new Set(["fatal", "error", "warn", "info", "debug", "trace"]);

/**
 * `parent.child(bindings)`, made only when something is logged through it. A pino child is costly to make
 * (it serialises its bindings and sets up every level), and one is made per request for the request id and
 * the person, while most requests log nothing at the configured level: a call of a disabled level goes to
 * the parent's no-op, and anything else makes the child once and goes to it.
 */
export function lazyChildLogger(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const real = () => {
    child ??= parent.child(bindings);
    return child;
  };
  return new Proxy(parent, {
    get(target, property) {
      if (typeof property === "string" && levelMethods.has(property) && !target.isLevelEnabled(property)) {
        return Reflect.get(target, property, target);
      }
      const logger = real();
      const value: unknown = Reflect.get(logger, property, logger);
      return typeof value === "function" ? value.bind(logger) : value;
    },
    set(_target, property, value) {
      return Reflect.set(real(), property, value);
    },
  });
}
