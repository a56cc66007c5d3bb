"""Historical battle data (CDB90, Engel's Iwo Jima series) and the classic Lanchester checks."""
