// The one file that compiles doctest's main (it costs seconds; compile it once).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
