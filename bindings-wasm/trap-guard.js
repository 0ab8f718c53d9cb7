
// Appended to the wasm-bindgen glue by build.sh, which also routes the instance's exports
// through it (`wasm = __optocomTrapGuard(instance.exports)`). A WebAssembly trap (an abort
// that is not a panic, such as running out of memory) abandons the Rust stack without
// running destructors and never reaches the panic hook (src/error.rs): the instance is
// retired as after a panic (every later call throws "internal") and the trap is thrown as an
// OptocomError with code "internal", the RuntimeError as its `cause`.
function __optocomTrapGuard(exports) {
  const guarded = {}
  for (const [name, f] of Object.entries(exports)) {
    guarded[name] =
      typeof f !== 'function'
        ? f
        : function () {
            try {
              return f.apply(undefined, arguments)
            } catch (e) {
              if (!(e instanceof WebAssembly.RuntimeError)) throw e
              exports.__optocomRetire()
              const err = new Error(
                `internal error (please report it): WebAssembly trap (${e.message}); this WebAssembly instance is unusable: reload the module`,
                { cause: e },
              )
              err.name = 'OptocomError'
              err.code = 'internal'
              throw err
            }
          }
  }
  return guarded
}
