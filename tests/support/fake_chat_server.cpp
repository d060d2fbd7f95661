#include "fake_chat_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

namespace echo::test {
namespace {

constexpr int kFaultyDelivery = 5;  // the victim's 5th message is the one that goes wrong

void write_all(int fd, const std::string& s) {
  for (std::size_t done = 0; done < s.size();) {
    const ssize_t n = send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::string sender_of(const std::string& text) {  // "M 3 7 123" -> "3"
  return text.substr(2, text.find(' ', 2) - 2);
}

}  // namespace

FakeChatServer::FakeChatServer(Fault fault, std::size_t victim_client)
    : fault_(fault), victim_client_(victim_client), listener_(echo::listen_tcp("127.0.0.1", 0)) {
  if (pipe(wake_) != 0) throw std::runtime_error("pipe failed");
  thread_ = std::thread([this] { serve(); });
}

FakeChatServer::~FakeChatServer() {
  [[maybe_unused]] auto n = write(wake_[1], "x", 1);
  thread_.join();
  for (const Member& m : members_) close(m.fd);
  close(listener_.fd);
  close(wake_[0]);
  close(wake_[1]);
}

void FakeChatServer::serve() {
  while (true) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listener_.fd, POLLIN, 0}};
    for (const Member& m : members_) fds.push_back({m.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents) return;
    if (fds[1].revents & POLLIN) {
      const int fd = accept(listener_.fd, nullptr, nullptr);
      if (fd >= 0) members_.push_back({fd, "guest-" + std::to_string(members_.size() + 1), "lobby", "", false});
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Member& m = members_[i - 2];
      char buf[65536];
      const ssize_t n = recv(m.fd, buf, sizeof buf, 0);
      if (n <= 0) {
        m.room.clear();  // gone: in no room
        continue;
      }
      m.in.append(buf, static_cast<std::size_t>(n));
      for (auto lf = m.in.find('\n'); lf != std::string::npos; lf = m.in.find('\n')) {
        const std::string line = m.in.substr(0, lf);
        m.in.erase(0, lf + 1);
        on_line(m, line);
      }
    }
  }
}

void FakeChatServer::on_line(Member& m, const std::string& line) {
  if (line.rfind("/join ", 0) == 0) {
    m.room = line.substr(6);
    write_all(m.fd, "* ok\n");
    return;
  }
  if (line.rfind("J ", 0) == 0 && std::stoul(line.substr(2)) == victim_client_) m.victim = true;
  const std::string delivery = m.name + ": " + line + "\n";
  for (Member& to : members_)
    if (!to.room.empty() && to.room == m.room) deliver(to, delivery, line);
}

void FakeChatServer::deliver(Member& to, const std::string& line, const std::string& text) {
  if (!to.victim || fault_ == Fault::none || text.rfind("M ", 0) != 0) {
    write_all(to.fd, line);
    return;
  }
  const int nth = ++victim_messages_;
  if (!held_.empty()) {
    const bool same = sender_of(text) == held_sender_;
    if ((fault_ == Fault::swap_same_sender) == same) {  // the moment to let the held one go
      write_all(to.fd, line);
      write_all(to.fd, std::exchange(held_, {}));
      return;
    }
  }
  if (nth == kFaultyDelivery) {
    if (fault_ == Fault::drop) return;
    if (fault_ == Fault::duplicate) write_all(to.fd, line);
    if (fault_ == Fault::swap_same_sender || fault_ == Fault::swap_across_senders) {
      held_ = line;
      held_sender_ = sender_of(text);
      return;
    }
  }
  write_all(to.fd, line);
}

}  // namespace echo::test
