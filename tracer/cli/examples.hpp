// The EXAMPLES block that ends each subcommand's --help (as every bcc tool's
// help ends), and so each man page generated from --help.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace epscope::cli {

// "Examples:\n  ..." for a subcommand name, or "" for one without examples.
std::string examples_for(const std::string& subcommand);

// Sets the examples of `app` (top level) and of each of its subcommands as their footers.
void add_examples(CLI::App& app);

}  // namespace epscope::cli
