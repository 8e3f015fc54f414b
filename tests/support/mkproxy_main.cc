// gs-mkproxy PROXYDIR DIR=MODULE@VERSION...: builds a file:// GOPROXY tree from module
// source directories. Used by the README example and by developers reproducing tests.
#include <iostream>

#include "goproxy.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: gs-mkproxy PROXYDIR DIR=MODULE@VERSION...\n";
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('='), at = arg.rfind('@');
    if (eq == std::string::npos || at == std::string::npos || at < eq) {
      std::cerr << "gs-mkproxy: '" << arg << "' is not DIR=MODULE@VERSION\n";
      return 2;
    }
    auto st = gs::testsupport::add_to_proxy(argv[1], arg.substr(0, eq), arg.substr(eq + 1, at - eq - 1),
                                            arg.substr(at + 1));
    if (!st) {
      std::cerr << "gs-mkproxy: " << st.error().message() << "\n";
      return 1;
    }
  }
  return 0;
}
