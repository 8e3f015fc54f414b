#include "privileged.h"
TEST(TracerSession, Placeholder) { GS_REQUIRE_ROOT(); }
