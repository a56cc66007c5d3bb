"""Speed and memory benchmarks of the engine, and the Mesa reference implementation of its rules."""
