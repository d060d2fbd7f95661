// An LD_PRELOAD shim for the fault tests: fork() and pthread_create() fail with EAGAIN, as they
// do when the kernel refuses a process or a thread, for the calls an environment variable names:
//   ECHO_FAIL_FORK=N or N-M            the Nth (to Mth) fork() of the process fails
//   ECHO_FAIL_PTHREAD_CREATE=N or N-M  the same for pthread_create() (std::thread uses it)
// Calls are counted from 1 in each process. Unset: every call goes through untouched.
// Root ignores RLIMIT_NPROC, so without this the servers' failure paths would never run.
// Under a sanitizer, its runtime intercepts both calls first and then calls on to the next
// definition: this one, which calls on to libc. The shim itself is not instrumented.

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace {

// True if call number `n` falls in the window `variable` names.
bool should_fail(const char* variable, unsigned long n) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  const unsigned long first = std::strtoul(text, &end, 10);
  const unsigned long last = *end == '-' ? std::strtoul(end + 1, nullptr, 10) : first;
  return first > 0 && n >= first && n <= last;
}

template <typename Function>
Function next_definition(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

std::atomic<unsigned long> g_forks{0};
std::atomic<unsigned long> g_thread_creates{0};

}  // namespace

extern "C" pid_t fork() noexcept {
  if (should_fail("ECHO_FAIL_FORK", ++g_forks)) {
    errno = EAGAIN;
    return -1;
  }
  static const auto real = next_definition<pid_t (*)()>("fork");
  return real();
}

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) noexcept {
  if (should_fail("ECHO_FAIL_PTHREAD_CREATE", ++g_thread_creates)) return EAGAIN;  // it returns errors, no errno
  using Create = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const auto real = next_definition<Create>("pthread_create");
  return real(thread, attr, start, arg);
}
