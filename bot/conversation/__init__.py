"""One conversation engine for every channel: text in, replies out, state in our database."""
