"""Historical data: battles (CDB90, Engel's Iwo Jima series) with the classic Lanchester checks, and
the documented air and drone wars (`air_war`)."""
