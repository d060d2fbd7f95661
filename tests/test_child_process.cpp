// common/child_process: the one way our programs and tests start, read and stop another program.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "child_process.hpp"
#include "proc_info.hpp"

using namespace std::chrono_literals;
using echo::ChildOptions;
using echo::ChildOutput;
using echo::ChildProcess;
using echo::ReadyLine;

namespace {

ChildOptions shell(const std::string& script) {
  ChildOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.out = options.err = ChildOutput::pipe();
  return options;
}

bool alive(pid_t pid) {  // a zombie is not: it only waits for init to reap it
  const auto stat = echo::ProcStat::read(pid);
  return stat && stat->field(3) != "Z";
}

}  // namespace

TEST_CASE("parse_ready_line: HOST:PORT, [v6]:PORT, and nothing else") {
  const auto v4 = echo::parse_ready_line("listening on 127.0.0.1:7007");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 7007);
  const auto v6 = echo::parse_ready_line("listening on [::1]:40000");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 40000);
  for (const char* bad : {"", "listening on", "listening on 127.0.0.1", "listening on :80", "listening on h:",
                          "listening on h:80x", "listening on h:65536", "Listening on h:80", "hello 127.0.0.1:80"})
    CHECK_MESSAGE(!echo::parse_ready_line(bad), bad);
}

TEST_CASE("stdin is written and closed, stdout and stderr are captured, the exit status is kept") {
  ChildOptions options = shell("cat; echo oops >&2; exit 3");
  options.stdin_pipe = true;
  options.input = std::string(300000, 'x') + "\nend\n";  // more than a pipe holds
  ChildProcess child(options);
  const auto ended = child.wait_exit(10s);
  REQUIRE(ended);
  CHECK(ended->exited());
  CHECK(ended->code() == 3);
  CHECK(ended->describe() == "exited with status 3");
  CHECK(child.out() == options.input);
  CHECK(child.err() == "oops\n");
  CHECK(!child.running());
}

TEST_CASE("a program that cannot run exits 127 and says why, and a name is looked up in PATH") {
  ChildOptions missing;
  missing.argv = {"no-such-program-here"};
  missing.err = ChildOutput::pipe();
  ChildProcess child(missing);
  const auto ended = child.wait_exit(10s);
  REQUIRE(ended);
  CHECK(ended->code() == 127);
  CHECK(child.err().find("cannot run no-such-program-here") != std::string::npos);

  ChildOptions found;
  found.argv = {"true"};
  CHECK(ChildProcess(found).wait_exit(10s)->code() == 0);
}

TEST_CASE("the ready line: parsed, another line, an exit first, or silence") {
  ChildProcess ready(shell("echo 'listening on 127.0.0.1:4242'; sleep 30"));
  const ReadyLine line = ready.wait_ready_line(10s);
  CHECK(line.status == ReadyLine::Status::ready);
  CHECK(line.text == "listening on 127.0.0.1:4242");
  CHECK(line.address.port == 4242);

  ChildProcess other(shell("echo hello; sleep 30"));
  const ReadyLine wrong = other.wait_ready_line(10s);
  CHECK(wrong.status == ReadyLine::Status::other_line);
  CHECK(wrong.text == "hello");

  ChildProcess failing(shell("echo 'port in use' >&2; exit 1"));
  CHECK(failing.wait_ready_line(10s).status == ReadyLine::Status::exited);
  CHECK(failing.exit_status()->code() == 1);
  CHECK(failing.err() == "port in use\n");

  ChildProcess silent(shell("sleep 30"));
  CHECK(silent.wait_ready_line(100ms).status == ReadyLine::Status::timed_out);
  CHECK(silent.running());
}

TEST_CASE("stop: the signal, then SIGKILL after the grace time") {
  ChildProcess polite(shell("sleep 30"));
  const auto stopped = polite.stop(SIGTERM, 10s);
  CHECK(!stopped.killed);
  CHECK(stopped.code() == 128 + SIGTERM);
  CHECK(stopped.describe() == "was killed by signal 15");

  ChildProcess stubborn(shell("trap '' TERM; echo ready; while :; do sleep 0.1; done"));
  REQUIRE(stubborn.wait_ready_line(10s).text == "ready");
  const auto start = std::chrono::steady_clock::now();
  const auto killed = stubborn.stop(SIGTERM, 200ms);
  CHECK(killed.killed);
  CHECK(killed.code() == 128 + SIGKILL);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("own_group: stopping it stops what it started too") {
  ChildOptions options = shell("sleep 30 & echo $!; wait");
  options.own_group = true;
  options.die_with_us = true;
  ChildProcess child(options);
  const std::string line = child.wait_ready_line(10s).text;
  REQUIRE(!line.empty());
  const pid_t helper = std::stoi(line);
  CHECK(getpgid(child.pid()) == child.pid());
  CHECK(getpgid(helper) == child.pid());
  child.stop(SIGTERM, 10s);
  for (int i = 0; i < 100 && alive(helper); ++i) usleep(10000);
  CHECK(!alive(helper));
}

TEST_CASE("file output, working folder, descriptor limit and CPUs") {
  const auto dir = std::filesystem::temp_directory_path() / ("child_process_test." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string log = (dir / "log").string();
  std::ofstream(log) << "earlier\n";

  ChildOptions options;
  options.argv = {"/bin/sh", "-c", "pwd; ulimit -n; grep Cpus_allowed_list /proc/self/status; echo err >&2"};
  options.cwd = dir.string();
  options.fd_limit = 123;
  options.cpus = {echo::allowed_cpus().front()};
  options.out = options.err = ChildOutput::file(log);
  REQUIRE(ChildProcess(options).wait_exit(10s)->code() == 0);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "earlier\n" + std::filesystem::canonical(dir).string() + "\n123\nCpus_allowed_list:\t" +
                    std::to_string(options.cpus.front()) + "\nerr\n");

  options.err = ChildOutput::file(log, false);  // emptied first
  options.out = ChildOutput::null();
  REQUIRE(ChildProcess(options).wait_exit(10s)->code() == 0);
  std::ifstream again(log);
  CHECK(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>()) == "err\n");
  std::filesystem::remove_all(dir);

  options.err = ChildOutput::file((dir / "missing" / "log").string());
  CHECK_THROWS_WITH_AS(ChildProcess{options}, doctest::Contains("cannot write"), std::runtime_error);
}
