// The GUI tests' names for the shared record builder (tests/common): they feed
// synthetic records (fentry backend identities) to the model in the view tests
// and to a trace writer in the replay tests.
#pragma once

#include "record_builder.hpp"

namespace epscope::gui_test {

using testing::ep_of;
using testing::epi_of;
using testing::file_of;
using Synth = testing::RecordBuilder;

}  // namespace epscope::gui_test
