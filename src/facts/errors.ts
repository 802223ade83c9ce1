// The errors a fact provider throws. They live with the facts, so the facts need nothing from the engine (which
// imports the facts); src/engine/define-check.ts re-exports them for checks and plugins.

/** A fact that could not be had; checks requiring it are skipped with `reason`. */
export class FactUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** An endpoint the daemon failed to answer after its ping: the daemon check reports it; checks that need it skip. */
export class EndpointFault extends FactUnavailable {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`the Docker daemon failed GET ${path}: ${what} (see the daemon check)`);
  }
}

/** A container the list named was removed before its inspect (HTTP 404): nothing to judge, and nothing is wrong. */
export class ContainerGone extends Error {
  constructor(readonly id: string) {
    super(`container ${id} is gone`);
  }
}
