// Raw framing (the seeds' recv/send protocol) and the Framer a session holds: no network.

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "framer.hpp"

using echo::Framer;
using echo::Framing;
using echo::Transform;
using namespace std::string_view_literals;

TEST_CASE("raw framing answers every chunk at once, transformed, with nothing added") {
  Framer framer(Framing::raw, Transform::upper, 4);
  std::string out;
  CHECK(framer.feed("hello", out) == 1);  // no LF needed: Python's recv(1024) gets b"HELLO"
  CHECK(out == "HELLO");
  CHECK(framer.buffered() == 0);
  // Only a-z change, as Python's bytes.upper() does: UTF-8, CR, LF and NUL pass through.
  out.clear();
  CHECK(framer.feed("w\xc3\xb6rld\r\n\0z"sv, out) == 1);
  CHECK(out == "W\xc3\xb6RLD\r\n\0Z"sv);
}

TEST_CASE("raw framing has no line limit: a chunk longer than --max-line is answered whole") {
  Framer framer(Framing::raw, Transform::upper, 4);
  std::string out;
  const std::string chunk(10000, 'a');
  CHECK(framer.feed(chunk, out) == 1);
  CHECK(out == std::string(10000, 'A'));
  CHECK_FALSE(framer.done());
}

TEST_CASE("raw framing: end of input answers nothing more and ends the conversation") {
  Framer framer(Framing::raw, Transform::echo, 100);
  std::string out;
  CHECK(framer.feed("abc", out) == 1);
  CHECK(framer.feed("", out) == 0);
  CHECK(framer.finish(out) == 0);
  CHECK(out == "abc");
  CHECK(framer.done());
  CHECK(framer.feed("more", out) == 0);
  CHECK(out == "abc");
}

TEST_CASE("a Framer for lines behaves as LineFramer: replies per line, the limit enforced") {
  Framer framer(Framing::line, Transform::upper, 5);
  std::string out;
  CHECK(framer.feed("ab\ncd", out) == 1);
  CHECK(out == "AB\n");
  CHECK(framer.buffered() == 2);
  CHECK(framer.finish(out) == 1);
  CHECK(out == "AB\nCD\n");

  Framer limited(Framing::line, Transform::upper, 5);
  out.clear();
  limited.feed("123456", out);
  CHECK(limited.done());
  CHECK(out.rfind("ERR ", 0) == 0);
}

TEST_CASE("framing names parse both ways") {
  CHECK(echo::parse_framing("line") == Framing::line);
  CHECK(echo::parse_framing("raw") == Framing::raw);
  CHECK_FALSE(echo::parse_framing("lines").has_value());
  CHECK(echo::to_string(Framing::raw) == "raw");
}
