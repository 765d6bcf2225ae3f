"""One module per schema revision, in order; each can upgrade and downgrade."""
