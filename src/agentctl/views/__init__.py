"""Rich renderables for people: tables, trace trees, waterfalls, live tails, progress."""
