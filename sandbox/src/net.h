// The jail's network namespace as seen from inside: only loopback, brought up by init.
// Anything else (a veth to the fake internet) is attached from outside through netns_fd().
#pragma once

namespace gs::sandbox {

// Child side, no allocation.
bool bring_up_loopback(const char** what);

}  // namespace gs::sandbox
