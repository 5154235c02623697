"""One module per ``snncost`` subcommand: ``register(subparsers)`` adds its options,
``run(args)`` does the work and returns the exit status."""
