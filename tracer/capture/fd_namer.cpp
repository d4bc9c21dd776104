#include "capture/fd_namer.hpp"

namespace epscope::capture {

void FdNamer::on_record(const stream::Record& rec) {
    next_.on_record(rec);
    switch (rec.kind()) {
        case EP_KIND_INSTANCE_CREATE: {
            const auto& r = rec.as<ep_instance_create>();
            if (r.epfd >= 0) name_once(r.h.tgid, r.epfd, r.file, r.h.ts);
            break;
        }
        case EP_KIND_ITEM_INSERT: {
            const auto& r = rec.as<ep_item_ctl>();
            if (r.result == 0) name_once(r.h.tgid, r.fd, r.file, r.h.ts);
            break;
        }
        case EP_KIND_PROCESS:
            // A process that exits frees its fd numbers for reuse elsewhere.
            if (rec.as<ep_process>().what == EP_PROC_EXIT) {
                const std::uint32_t tgid = rec.header().tgid;
                std::erase_if(named_, [tgid](const auto& k) { return std::get<0>(k) == tgid; });
            }
            break;
        default:
            break;
    }
}

void FdNamer::name_once(std::uint32_t tgid, int fd, std::uint64_t file, std::uint64_t ts) {
    if (named_.emplace(tgid, fd, file).second) snapshot_.name(static_cast<pid_t>(tgid), fd, ts);
}

}  // namespace epscope::capture
