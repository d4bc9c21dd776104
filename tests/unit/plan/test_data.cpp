#include "test_data.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace epscope::plan::test {

std::string read_data_file(const std::string& name) {
    const std::string path = std::string(EPSCOPE_PLAN_DATA_DIR) + "/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open test data " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

KernelDescription recorded(const std::string& kernel) {
    return KernelDescription::parse(read_data_file(kernel + ".txt"));
}

}  // namespace epscope::plan::test
