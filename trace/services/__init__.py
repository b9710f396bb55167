"""Domain operations: take (session, actor, ...), flush, never commit, audit every write."""
