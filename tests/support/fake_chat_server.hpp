#pragma once
// A tiny chat server inside a test, to prove echo-bench chat's checker can fail: it delivers
// `guest-N: TEXT` to every member of the sender's room, answers commands with `* ok`, and can
// break the contract on purpose for one member (the bench's last client, which never sends).

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "net.hpp"

namespace echo::test {

class FakeChatServer {
 public:
  enum class Fault {
    none,
    drop,                 // one delivery to the victim never sent
    duplicate,            // one delivery to the victim sent twice
    swap_same_sender,     // one delivery to the victim held back until the same sender's next one
    swap_across_senders,  // one delivery held back until another sender's next one
  };
  // `victim_client`: the bench client number (from its `J N` hello) that suffers the fault.
  FakeChatServer(Fault fault, std::size_t victim_client);
  ~FakeChatServer();
  FakeChatServer(const FakeChatServer&) = delete;
  FakeChatServer& operator=(const FakeChatServer&) = delete;

  unsigned short port() const { return listener_.port; }

 private:
  struct Member {
    int fd = -1;
    std::string name, room = "lobby", in;
    bool victim = false;
  };
  void serve();
  void on_line(Member& m, const std::string& line);
  void deliver(Member& to, const std::string& line, const std::string& text);

  Fault fault_;
  std::size_t victim_client_;
  echo::Listener listener_;
  int wake_[2] = {-1, -1};  // a pipe: written to stop the thread
  std::vector<Member> members_;
  int victim_messages_ = 0;  // `M` deliveries to the victim so far
  std::string held_, held_sender_;
  std::thread thread_;
};

}  // namespace echo::test
