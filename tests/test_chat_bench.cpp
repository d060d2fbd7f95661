// echo-bench chat: its checker without sockets, and the whole run against a fake chat server
// that breaks the contract on purpose (the bench must say so) and against every real mode.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chat_line.hpp"
#include "delivery_checker.hpp"
#include "fake_chat_server.hpp"
#include "modes.hpp"
#include "process.hpp"
#include "json_number.hpp"

using namespace echo::bench;
using echo::test::FakeChatServer;
using echo::test::run_program;
using echo::test::ServerProcess;
using namespace std::chrono_literals;

using echo::test::json_number;

namespace {

// echo-bench chat with a small closed-loop load; --json on stdout.
echo::test::RunResult bench_chat(unsigned short port, std::vector<std::string> extra) {
  std::vector<std::string> argv{"echo-bench", "chat", "--port", std::to_string(port), "--json", "-q", "--warmup", "0.2"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_program(argv, "", 60s);
}

}  // namespace

TEST_CASE("chat lines: a delivered message, a hello, notices, ERR and anything else") {
  const ChatLine m = parse_chat_line("guest-7: M 3 41 123456789");
  CHECK(m.kind == ChatLine::Kind::message);
  CHECK(m.sender == 3);
  CHECK(m.seq == 41);
  CHECK(m.origin_ns == 123456789);
  CHECK(message_line(3, 41, 123456789) == "M 3 41 123456789\n");
  const ChatLine h = parse_chat_line("bob: J 12");
  CHECK(h.kind == ChatLine::Kind::hello);
  CHECK(h.client == 12);
  CHECK(parse_chat_line("* guest-3 joined").kind == ChatLine::Kind::notice);
  CHECK(parse_chat_line("ERR line too long").kind == ChatLine::Kind::server_error);
  for (const char* bad : {"M 3 41 1", "guest-7: M 3 41", "guest-7: M 3 41 1 2", "guest-7: m 3 41 1", "a b: M 1 2 3",
                          ": M 1 2 3", "guest-7: J x", ""})
    CHECK_MESSAGE(parse_chat_line(bad).kind == ChatLine::Kind::malformed, bad);
}

TEST_CASE("delivery checker: in order is clean, a gap filled late is out of order, a repeat is a duplicate") {
  DeliveryChecker ok(2);
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    CHECK(ok.receive(0, seq) == DeliveryChecker::Verdict::first);
    CHECK(ok.receive(1, seq) == DeliveryChecker::Verdict::first);
  }
  CHECK(ok.missing({3, 3}) == 0);
  CHECK(ok.complete(0, 3));
  CHECK_FALSE(ok.complete(0, 4));

  DeliveryChecker bad(1);
  CHECK(bad.receive(0, 0) == DeliveryChecker::Verdict::first);
  CHECK(bad.receive(0, 2) == DeliveryChecker::Verdict::first);  // 1 skipped
  CHECK(bad.missing({3}) == 1);
  CHECK_FALSE(bad.complete(0, 3));
  CHECK(bad.receive(0, 1) == DeliveryChecker::Verdict::late);
  CHECK(bad.receive(0, 1) == DeliveryChecker::Verdict::duplicate);
  CHECK(bad.missing({5}) == 2);  // 3 and 4 never came
  CHECK(bad.received() == 3);
  CHECK(bad.late() == 1);
  CHECK(bad.duplicates() == 1);
}

TEST_CASE("delivery checker: two members agree on the order only if they saw the same sequence") {
  DeliveryChecker a(2), b(2), c(2);
  for (auto* m : {&a, &b}) {
    m->receive(0, 0);
    m->receive(1, 0);
  }
  c.receive(1, 0);
  c.receive(0, 0);
  CHECK(a.order_hash() == b.order_hash());
  CHECK(a.order_hash() != c.order_hash());
}

TEST_CASE("chat against a correct chat server: every delivery arrives, zero errors") {
  FakeChatServer server(FakeChatServer::Fault::none, 5);
  const auto r = bench_chat(server.port(), {"-c", "6", "--rooms", "2", "--senders", "3", "-d", "0.5"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(json_number(r.out, "errors") == 0);
  CHECK(json_number(r.out, "messages") > 10);
  CHECK(json_number(r.out, "deliveries") == json_number(r.out, "deliveries_expected"));
  // Rooms of 3 members: every message is delivered 3 times.
  CHECK(json_number(r.out, "deliveries") == 3 * json_number(r.out, "messages"));
}

TEST_CASE("chat counts what a faulty server does to one member as errors, and exits 3") {
  struct Case {
    FakeChatServer::Fault fault;
    const char* field;
    std::size_t senders;
  };
  for (const Case& c : {Case{FakeChatServer::Fault::drop, "missing", 1}, Case{FakeChatServer::Fault::duplicate, "duplicated", 1},
                        Case{FakeChatServer::Fault::swap_same_sender, "out_of_order", 1},
                        Case{FakeChatServer::Fault::swap_across_senders, "order_mismatch", 2}}) {
    CAPTURE(c.field);
    FakeChatServer server(c.fault, 3);  // the last of 4 clients: it never sends
    const auto r = bench_chat(server.port(), {"-c", "4", "--senders", std::to_string(c.senders), "-d", "0.5"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(json_number(r.out, c.field) == 1);
    CHECK(json_number(r.out, "errors") == 1);  // that one error and nothing else
  }
}

TEST_CASE("chat against a server without --chat says the clients could not get into their rooms") {
  ServerProcess server({"--mode", "coro"});
  const auto r = bench_chat(server.port(), {"-c", "2", "-d", "0.5", "--timeout", "2"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("got into their rooms") != std::string::npos);
  CHECK(r.err.find("/JOIN") != std::string::npos);  // what the echo server said instead
}

TEST_CASE("chat rejects options that make no sense in one line") {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"-c", "2", "--rooms", "3"},
                                              std::vector<std::string>{"-c", "2", "--senders", "3"},
                                              std::vector<std::string>{"-c", "2", "--senders", "0"}}) {
    std::vector<std::string> argv{"echo-bench", "chat", "--port", "1"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    const auto r = run_program(argv, "", 10s);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
