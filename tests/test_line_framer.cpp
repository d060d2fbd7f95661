// The protocol's hard cases, tested once, with no network: the framer is the same object in
// every backend.

#include <doctest/doctest.h>

#include <string>

#include "line_framer.hpp"

using echo::LineFramer;
using echo::Transform;

namespace {
// Feeds `input` in chunks of `chunk` bytes; returns everything answered.
std::string feed_in_chunks(LineFramer& framer, const std::string& input, std::size_t chunk) {
  std::string out;
  for (std::size_t i = 0; i < input.size(); i += chunk) framer.feed(std::string_view(input).substr(i, chunk), out);
  return out;
}
}  // namespace

TEST_CASE("a line is answered upper-cased, with its LF") {
  LineFramer framer(Transform::upper, 100);
  std::string out;
  CHECK(framer.feed("hello\n", out) == 1);
  CHECK(out == "HELLO\n");
  CHECK_FALSE(framer.done());
}

TEST_CASE("a line split byte by byte gives the same replies as whole lines") {
  const std::string input = "one\ntwo\r\n\nthree and more\n";
  LineFramer whole(Transform::upper, 100), split(Transform::upper, 100);
  const std::string expected = feed_in_chunks(whole, input, input.size());
  CHECK(expected == "ONE\nTWO\r\n\nTHREE AND MORE\n");
  CHECK(feed_in_chunks(split, input, 1) == expected);
}

TEST_CASE("every chunking of the same input gives the same replies") {
  std::string input;
  for (int i = 0; i < 50; ++i) input += std::string(static_cast<std::size_t>(i % 7), 'a' + static_cast<char>(i % 26)) + "\n";
  LineFramer reference(Transform::upper, 100);
  const std::string expected = feed_in_chunks(reference, input, input.size());
  for (std::size_t chunk = 1; chunk <= 17; ++chunk) {
    CAPTURE(chunk);
    LineFramer framer(Transform::upper, 100);
    CHECK(feed_in_chunks(framer, input, chunk) == expected);
  }
}

TEST_CASE("thousands of lines in one buffer are all answered, in order") {
  std::string input, expected;
  for (int i = 0; i < 5000; ++i) {
    input += "line " + std::to_string(i) + "\n";
    expected += "LINE " + std::to_string(i) + "\n";
  }
  LineFramer framer(Transform::upper, 100);
  std::string out;
  CHECK(framer.feed(input, out) == 5000);
  CHECK(out == expected);
}

TEST_CASE("an empty line gets an empty line") {
  LineFramer framer(Transform::upper, 10);
  std::string out;
  CHECK(framer.feed("\n\n", out) == 2);
  CHECK(out == "\n\n");
}

TEST_CASE("the line limit: exactly max_line passes, one byte over is refused") {
  const std::size_t limit = 8;
  SUBCASE("exactly the limit") {
    LineFramer framer(Transform::upper, limit);
    std::string out;
    CHECK(framer.feed(std::string(limit, 'x') + "\n", out) == 1);
    CHECK(out == std::string(limit, 'X') + "\n");
    CHECK_FALSE(framer.done());
  }
  SUBCASE("one byte over, earlier lines answered first") {
    LineFramer framer(Transform::upper, limit);
    std::string out;
    CHECK(framer.feed("ok\n" + std::string(limit + 1, 'x') + "\nnever\n", out) == 1);
    CHECK(out == "OK\nERR line too long\n");
    CHECK(framer.done());
  }
  SUBCASE("the LF does not count, a CR does") {
    LineFramer framer(Transform::upper, limit);
    std::string out;
    framer.feed(std::string(limit, 'x') + "\r\n", out);
    CHECK(out == "ERR line too long\n");
  }
  SUBCASE("refused before its LF arrives, so memory stays bounded") {
    LineFramer framer(Transform::upper, limit);
    std::string out;
    for (std::size_t i = 0; i < limit; ++i) framer.feed("y", out);
    CHECK(framer.buffered() == limit);
    CHECK(out.empty());
    framer.feed("y", out);
    CHECK(out == "ERR line too long\n");
    CHECK(framer.buffered() == 0);
    CHECK(framer.done());
  }
  SUBCASE("nothing is answered after the ERR") {
    LineFramer framer(Transform::upper, limit);
    std::string out;
    framer.feed(std::string(limit + 1, 'x'), out);
    out.clear();
    CHECK(framer.feed("more\n", out) == 0);
    CHECK(framer.finish(out) == 0);
    CHECK(out.empty());
  }
}

TEST_CASE("end of input") {
  LineFramer framer(Transform::upper, 100);
  std::string out;
  SUBCASE("a last line without LF is answered as if it had one") {
    framer.feed("a\nlast", out);
    CHECK(framer.finish(out) == 1);
    CHECK(out == "A\nLAST\n");
  }
  SUBCASE("after a last LF there is nothing more to answer") {
    framer.feed("a\n", out);
    CHECK(framer.finish(out) == 0);
    CHECK(out == "A\n");
  }
  SUBCASE("with no input at all") {
    CHECK(framer.finish(out) == 0);
    CHECK(out.empty());
  }
  CHECK(framer.done());
}

TEST_CASE("every byte value other than LF: only a-z change") {
  std::string line, expected;
  for (int b = 0; b < 256; ++b) {
    if (b == '\n') continue;
    const char c = static_cast<char>(b);
    line += c;
    expected += (b >= 'a' && b <= 'z') ? static_cast<char>(b - 32) : c;
  }
  LineFramer upper(Transform::upper, 1000), echo(Transform::echo, 1000);
  std::string out_upper, out_echo;
  upper.feed(line + "\n", out_upper);
  echo.feed(line + "\n", out_echo);
  CHECK(out_upper == expected + "\n");
  CHECK(out_echo == line + "\n");
}

TEST_CASE("UTF-8 passes through intact") {
  LineFramer framer(Transform::upper, 100);
  std::string out;
  framer.feed("gr\xc3\xbc\xc3\x9f dich\n", out);
  CHECK(out == "GR\xc3\xbc\xc3\x9f DICH\n");
}
