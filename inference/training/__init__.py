"""Making and measuring models: FER-2013 loading, the architecture, training, evaluation, export, and the
generated test frames the benchmarks use. May import `inference.serving`; never the other way round."""
