/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 net_vhostzc authors
 */

/*
 * vhost-user control over librte_vhost: device callbacks, and pre/post
 * message hooks that pause our own datapath around every message that can
 * change rings or memory. The library's own net backend stays in charge of
 * the enqueue side; the guest TX rings are ours.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <ethdev_driver.h>
#include <rte_malloc.h>
#include <rte_vhost.h>

#include "vhostzc_ethdev.h"
#include "vhostzc_guard.h"
#include "vhostzc_vhost_user.h"

#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER	35
#endif
#ifndef VIRTIO_F_RING_PACKED
#define VIRTIO_F_RING_PACKED	34
#endif
#ifndef VIRTIO_F_IOMMU_PLATFORM
#define VIRTIO_F_IOMMU_PLATFORM	33
#endif

/* Ports by socket path; the vhost callbacks only get a vid. */
struct vhostzc_entry {
	TAILQ_ENTRY(vhostzc_entry) next;
	struct vhostzc_internal *in;
};
static TAILQ_HEAD(, vhostzc_entry) vhostzc_ports =
	TAILQ_HEAD_INITIALIZER(vhostzc_ports);
static pthread_mutex_t vhostzc_ports_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * Held while a port's socket is unregistered (close, or dropping a
 * hostile front-end): a drop never runs on a port being closed. Never
 * taken by a vhost callback, so unregistering under it cannot deadlock.
 */
static pthread_mutex_t vhostzc_drop_lock = PTHREAD_MUTEX_INITIALIZER;
static VZC_ATOMIC(uint64_t) vhostzc_owners;

static struct vhostzc_internal *
find_internal(int vid)
{
	struct vhostzc_internal *in = NULL;
	struct vhostzc_entry *e;
	char ifname[PATH_MAX];

	if (rte_vhost_get_ifname(vid, ifname, sizeof(ifname)) != 0)
		return NULL;
	pthread_mutex_lock(&vhostzc_ports_lock);
	TAILQ_FOREACH(e, &vhostzc_ports, next) {
		if (strcmp(e->in->iface, ifname) == 0) {
			in = e->in;
			break;
		}
	}
	pthread_mutex_unlock(&vhostzc_ports_lock);
	return in;
}

static void
lsc_event(struct vhostzc_internal *in, bool up)
{
	in->eth_dev->data->dev_link.link_status =
		up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	rte_eth_dev_callback_process(in->eth_dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static void
rxq_orphan_lender(struct vhostzc_rxq *q)
{
	if (q->lender != NULL) {
		vhostzc_lender_orphan(q->lender);
		q->lender = NULL;
	}
	q->lent = 0;
}

/* Take the queue away from the datapath; waits only for a running burst. */
static void
rxq_pause(struct vhostzc_rxq *q)
{
	rte_spinlock_lock(&q->lock);
	q->ready = false;
	rte_spinlock_unlock(&q->lock);
}

static void
rxq_detach(struct vhostzc_rxq *q)
{
	rxq_pause(q);
	rxq_orphan_lender(q);
	q->shadow_valid = false;
	if (q->mem != NULL) {
		vhostzc_memgen_put(q->mem);
		q->mem = NULL;
	}
}

/* Our view of a ring at the library's addresses, in the queue's format. */
static void
rxq_ring_addrs(struct vhostzc_rxq *q, const struct rte_vhost_vring *vring)
{
	q->vr.desc = (struct vzc_desc *)vring->desc;
	q->vr.avail = (struct vzc_avail *)vring->avail;
	q->vr.used = (struct vzc_used *)vring->used;
	q->vr.pdesc = (struct vzc_pdesc *)vring->desc_packed;
	q->vr.driver_event = (struct vzc_pevent *)vring->driver_event;
	q->vr.device_event = (struct vzc_pevent *)vring->device_event;
}

/*
 * The guest physical address of host address hva in the library's mapping
 * of the front-end's memory (the packed descriptor ring, for the dirty
 * log), or 0.
 */
static uint64_t
lib_hva_to_gpa(int vid, const void *hva)
{
	struct rte_vhost_memory *mem = NULL;
	uint64_t a = (uint64_t)(uintptr_t)hva, gpa = 0;
	uint32_t i;

	if (rte_vhost_get_mem_table(vid, &mem) != 0 || mem == NULL)
		return 0;
	for (i = 0; i < mem->nregions; i++) {
		const struct rte_vhost_mem_region *r = &mem->regions[i];

		if (a >= r->host_user_addr && a - r->host_user_addr < r->size) {
			gpa = r->guest_phys_addr + (a - r->host_user_addr);
			break;
		}
	}
	free(mem);
	return gpa;
}

/*
 * Point a stopping queue at the library's current view of its ring.
 * False when there is nothing to stop (no ring incarnation) or the ring
 * is gone: then the incarnation just ends.
 */
static bool
rxq_stop_prepare(struct vhostzc_internal *in, struct vhostzc_rxq *q)
{
	struct rte_vhost_vring vring;

	if (!q->shadow_valid)
		return false;
	if (rte_vhost_get_vhost_vring(in->vid, q->vring_idx, &vring) == 0 &&
	    vring.desc != NULL && vring.avail != NULL && vring.used != NULL &&
	    vring.size == q->vr.size) {
		rxq_ring_addrs(q, &vring);
		q->callfd = vring.callfd;
		return true;
	}
	rxq_orphan_lender(q);
	q->shadow_valid = false;
	return false;
}

/*
 * End the ring incarnations of queues qs[0..n) (all paused): give back
 * everything lent, tell the library our indices so that the base it
 * reports, or the next attachment starts from, is right.
 */
static void
rxqs_end(struct vhostzc_internal *in, struct vhostzc_rxq **qs, uint16_t n)
{
	uint16_t i, k = 0;

	for (i = 0; i < n; i++)
		if (rxq_stop_prepare(in, qs[i]))
			qs[k++] = qs[i];
	vhostzc_rxqs_return_lent(qs, k, in->zc.freeze_budget);
	for (i = 0; i < k; i++) {
		uint16_t avail, used;

		vzc_ring_get_base(&qs[i]->vr, &avail, &used);
		rte_vhost_set_vring_base(in->vid, qs[i]->vring_idx, avail, used);
		rxq_orphan_lender(qs[i]);
		qs[i]->shadow_valid = false;
	}
}

/*
 * The guest is stopping the rings (GET_VRING_BASE or RESET_OWNER): end
 * every queue's ring incarnation. Every queue is paused before any page
 * is frozen: they all read through the same mappings. Runs whether or not
 * a queue is attached right now (a ring is often disabled before it is
 * stopped).
 */
static void
device_stop_rings(struct vhostzc_internal *in)
{
	struct rte_eth_dev_data *data = in->eth_dev->data;
	struct vhostzc_rxq *qs[VHOSTZC_MAX_QUEUES];
	uint16_t i, n = 0;

	vhostzc_queues_detach_all(in, false);
	for (i = 0; i < data->nb_rx_queues && n < RTE_DIM(qs); i++)
		if (data->rx_queues[i] != NULL)
			qs[n++] = data->rx_queues[i];
	rxqs_end(in, qs, n);
}

/*
 * The application releases (or sets up again) a queue whose ring may be
 * live: the next queue attached to that ring starts where this one
 * stopped, with nothing lent. in->ctl held.
 */
void
vhostzc_rxq_release_ring(struct vhostzc_internal *in, struct vhostzc_rxq *q)
{
	rxq_pause(q);
	if (in->running)
		rxqs_end(in, &q, 1);
}

/* One log line per attachment whose mapping or mode changed. */
static void
rxq_log_zc_mode(struct vhostzc_internal *in, struct vhostzc_rxq *q)
{
	const struct vhostzc_memgen *mg = q->mem;
	uint64_t id = mg != NULL ? mg->id : 0;

	if (!in->zc.enabled ||
	    (q->logged_mem_id == id && q->logged_mode == (int8_t)q->lend_mode))
		return;
	q->logged_mem_id = id;
	q->logged_mode = (int8_t)q->lend_mode;
	if (q->zc && (mg->all_va || mg->no_iova_why == NULL))
		VHOSTZC_LOG(NOTICE, "port %u rxq %u: zero-copy, %s",
			    in->port_id, q->queue_id,
			    vhostzc_iova_mode_name(q->lend_mode));
	else if (q->zc)
		VHOSTZC_LOG(NOTICE, "port %u rxq %u: zero-copy, %s; some guest "
			    "memory is copied (%s)", in->port_id, q->queue_id,
			    vhostzc_iova_mode_name(q->lend_mode),
			    mg->no_iova_why);
	else
		VHOSTZC_LOG(NOTICE, "port %u rxq %u: zero-copy unavailable (%s), copying",
			    in->port_id, q->queue_id,
			    q->pinned_pool ? "mempool with pinned external buffers" :
			    mg == NULL ? "guest memory not mappable" :
			    q->lender == NULL ? "out of memory" :
			    mg->no_iova_why != NULL ? mg->no_iova_why :
			    "no IOVA for guest memory");
}

static int
rxq_attach(struct vhostzc_internal *in, struct vhostzc_rxq *q)
{
	struct rte_vhost_vring vring;
	struct rte_vhost_memory *lib_mem = NULL;
	uint16_t vring_idx = q->queue_id * 2 + 1;
	bool packed = (in->features & (1ULL << VIRTIO_F_RING_PACKED)) != 0;
	uint16_t last_avail, last_used;
	bool fresh = false;
	uint32_t i;

	if (rte_vhost_get_vhost_vring(in->vid, vring_idx, &vring) != 0 ||
	    vring.desc == NULL || vring.avail == NULL || vring.used == NULL)
		return -ENODEV;
	if (packed ? !vzc_ring_size_valid_packed(vring.size) :
	    !vzc_ring_size_valid(vring.size)) {
		VHOSTZC_LOG(ERR, "port %u: ring %u has invalid size %u",
			    in->port_id, vring_idx, vring.size);
		return -EINVAL;
	}

	rte_spinlock_lock(&q->lock);
	q->ready = false;
	q->vid = in->vid;
	q->vring_idx = vring_idx;

	/*
	 * A new ring incarnation starts from the library's indices (set by
	 * SET_VRING_BASE); a resumed one keeps our shadow and its lender.
	 */
	if (q->shadow_valid && (q->vr.size != vring.size ||
				q->vr.packed != packed)) {
		rxq_orphan_lender(q);
		q->shadow_valid = false;
	}
	if (!q->shadow_valid) {
		if (rte_vhost_get_vring_base(in->vid, vring_idx, &last_avail,
					     &last_used) != 0) {
			rte_spinlock_unlock(&q->lock);
			return -ENODEV;
		}
		rxq_orphan_lender(q);
		q->vr.packed = packed;
		q->vr.size = vring.size;
		vzc_ring_set_base(&q->vr, last_avail, last_used);
		q->shadow_valid = true;
		fresh = true;
	}
	if (q->lender == NULL && in->zc.enabled) {
		q->lender = vhostzc_lender_create(vring.size,
						  in->eth_dev->data->numa_node);
		fresh = true;
	}
	/* A new incarnation or lender: nothing out, in order or not. */
	if (fresh)
		vhostzc_rxq_order_setup(q, (in->features &
					    (1ULL << VIRTIO_F_IN_ORDER)) != 0);
	rxq_ring_addrs(q, &vring);
	q->vr.size = vring.size;
	q->vr.event_idx = (in->features & (1ULL << VIRTIO_RING_F_EVENT_IDX)) != 0;
	q->hdr_len = (in->features & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) |
				      (1ULL << VIRTIO_F_VERSION_1))) != 0 ?
		sizeof(struct virtio_net_hdr_mrg_rxbuf) :
		sizeof(struct virtio_net_hdr);
	q->log_dirty = (in->features & (1ULL << VHOST_F_LOG_ALL)) != 0;
	q->desc_gpa = packed && q->log_dirty ?
		lib_hva_to_gpa(in->vid, vring.desc_packed) : 0;
	q->callfd = vring.callfd;
	q->kickfd = vring.kickfd;
	/* Kicks as the application wants them (it may sleep on rx intr). */
	vzc_ring_set_notify(&q->vr, q->intr_on);

	if (q->mem != NULL)
		vhostzc_memgen_put(q->mem);
	q->mem = in->mem != NULL ? vhostzc_memgen_get(in->mem) : NULL;
	if (q->mem != NULL) {
		q->memv.regions = q->mem->regions;
		q->memv.nregions = q->mem->nregions;
	} else if (rte_vhost_get_mem_table(in->vid, &lib_mem) == 0) {
		/* Copy only, through the library's mapping, while attached. */
		q->memv.nregions = RTE_MIN(lib_mem->nregions,
					   (uint32_t)VZC_MAX_REGIONS);
		for (i = 0; i < q->memv.nregions; i++) {
			q->lib_regions[i].gpa = lib_mem->regions[i].guest_phys_addr;
			q->lib_regions[i].size = lib_mem->regions[i].size;
			q->lib_regions[i].hva = (uint8_t *)(uintptr_t)
				lib_mem->regions[i].host_user_addr;
		}
		q->memv.regions = q->lib_regions;
		free(lib_mem);
	} else {
		q->memv.nregions = 0;
	}

	vhostzc_rxq_zc_mode(q);
	q->max_lent = in->zc.max_lent != 0 ?
		RTE_MIN(in->zc.max_lent, (uint32_t)vring.size) :
		(uint32_t)vring.size >> VHOSTZC_DEFAULT_LEND_SHIFT;
	q->ready = true;
	rte_spinlock_unlock(&q->lock);
	rxq_log_zc_mode(in, q);
	return 0;
}

/*
 * Transmit queues and locking. rte_vhost_enqueue_burst takes the library's
 * per-ring lock, and the library holds every ring lock while it calls our
 * message hooks and vring_state_changed. So nothing that can run inside
 * those (or hold in->ctl, which they take) may wait for a transmit burst:
 * that is the classic ABBA. Transmit needs no pausing around messages (the
 * library's own locks cover its rings); it only has to stop using a vid
 * that is going away. vhostzc_txqs_update() flips the queues' ready flags
 * (in->ctl held, never waits); vhostzc_txqs_quiesce() then waits for a
 * burst in progress, with no lock held, from destroy_device (the library
 * holds no ring lock there) or the application's own thread.
 */
void
vhostzc_txqs_update(struct vhostzc_internal *in)
{
	struct rte_eth_dev_data *data = in->eth_dev->data;
	bool ready = in->started && in->running;
	uint16_t i;

	for (i = 0; i < data->nb_tx_queues; i++) {
		struct vhostzc_txq *q = data->tx_queues[i];

		if (q == NULL)
			continue;
		if (ready)
			q->vid = in->vid;
		/* Release: a burst that sees ready also sees this vid. */
		vzc_atomic_store(&q->ready, ready, VZC_RELEASE);
	}
}

void
vhostzc_txqs_quiesce(struct vhostzc_internal *in)
{
	struct rte_eth_dev_data *data = in->eth_dev->data;
	uint16_t i;

	for (i = 0; i < data->nb_tx_queues; i++) {
		struct vhostzc_txq *q = data->tx_queues[i];

		/*
		 * A burst that took the lock before ready went false may
		 * still be in the library with the old vid: wait it out.
		 * Later ones take the lock after us and see ready false.
		 */
		if (q != NULL) {
			rte_spinlock_lock(&q->lock);
			rte_spinlock_unlock(&q->lock);
		}
	}
}

static bool
vring_wanted(struct vhostzc_internal *in, uint16_t vring_idx)
{
	return in->started && in->running && !in->paused &&
		vring_idx < RTE_DIM(in->vring_enabled) &&
		in->vring_enabled[vring_idx];
}

/* Attach every receive queue that should run, pause every one that should
 * not. Never waits for anything but a receive burst in progress.
 */
void
vhostzc_queues_sync(struct vhostzc_internal *in)
{
	struct rte_eth_dev_data *data = in->eth_dev->data;
	uint16_t i;

	for (i = 0; i < data->nb_rx_queues; i++) {
		struct vhostzc_rxq *q = data->rx_queues[i];

		if (q == NULL)
			continue;
		if (vring_wanted(in, i * 2 + 1)) {
			if (rxq_attach(in, q) != 0)
				rxq_pause(q);
		} else {
			rxq_pause(q);
		}
	}
	vhostzc_intr_sync(in);
}

/*
 * Pause every receive queue. stop == true: the front-end is gone or the
 * rings are being reset; lent chains can never be returned to these
 * rings, so the lenders are orphaned and our memory mappings released
 * (lent mbufs keep their own references).
 */
void
vhostzc_queues_detach_all(struct vhostzc_internal *in, bool stop)
{
	struct rte_eth_dev_data *data = in->eth_dev->data;
	uint16_t i;

	for (i = 0; i < data->nb_rx_queues; i++) {
		struct vhostzc_rxq *q = data->rx_queues[i];

		if (q == NULL)
			continue;
		if (stop)
			rxq_detach(q);
		else
			rxq_pause(q);
	}
}

static void
refresh_memgen(struct vhostzc_internal *in)
{
	if (in->mem != NULL)
		vhostzc_memgen_put(in->mem);
	in->mem = vhostzc_memgen_create(in->vid, in->conn);
	in->stats.mem_updates++;
}

/* The library's own mappings of guest memory and log, guarded. in->ctl. */
static void
lib_guards_clear(struct vhostzc_internal *in)
{
	size_t i;

	for (i = 0; i < RTE_DIM(in->lib_guard); i++) {
		vhostzc_guard_del(in->lib_guard[i]);
		in->lib_guard[i] = -1;
	}
}

static void
lib_guards_set(struct vhostzc_internal *in, int vid)
{
	struct rte_vhost_memory *mem = NULL;
	uint64_t log_base = 0, log_size = 0;
	uint32_t i, k = 0;

	lib_guards_clear(in);
	if (in->closing)
		return;
	if (rte_vhost_get_mem_table(vid, &mem) == 0 && mem != NULL) {
		for (i = 0; i < mem->nregions && k < VZC_MAX_REGIONS; i++)
			if (mem->regions[i].mmap_addr != NULL)
				in->lib_guard[k++] = vhostzc_guard_add(
					mem->regions[i].mmap_addr,
					mem->regions[i].mmap_size, in->conn);
		free(mem);
	}
	if (rte_vhost_get_log_base(vid, &log_base, &log_size) == 0 &&
	    log_base != 0 && log_size != 0)
		in->lib_guard[VZC_MAX_REGIONS] = vhostzc_guard_add(
			(void *)(uintptr_t)log_base, log_size, in->conn);
	for (i = 0; i < RTE_DIM(in->lib_guard); i++)
		if (in->lib_guard[i] == -ENOSPC)
			VHOSTZC_LOG(WARNING, "port %u: guard table full: a front-end "
				    "shrinking its memory can crash the process",
				    in->port_id);
}

/* Whether [off, off + len) of the file behind fd exists. */
static bool
fd_backs(int fd, uint64_t off, uint64_t len)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 0)
		return false;
	return off <= (uint64_t)st.st_size && len <= (uint64_t)st.st_size - off;
}

/*
 * Messages that hand us files to map: refuse any whose file cannot back
 * what the message says is in it, before the library maps it (touching
 * the missing part later would raise SIGBUS). NULL, or why not.
 */
static const char *
msg_files_bad(const struct vzc_vhost_user_hdr *h, void *msg)
{
	const size_t hdr_off = offsetof(struct vzc_vhost_user_hdr, payload);
	int nfds, *fds = vzc_vhost_msg_fds(msg, &nfds);
	uint32_t i, n;

	switch (h->request) {
	case VZC_VHOST_USER_SET_MEM_TABLE:
		n = h->payload.memory.nregions;
		if (n > VZC_VHOST_USER_MAX_FDS ||
		    h->size < offsetof(struct vzc_vhost_user_hdr,
				       payload.memory.regions[n]) - hdr_off)
			return "a memory table shorter than its region count";
		if (nfds < (int)n)
			return "memory regions without fds";
		for (i = 0; i < n; i++)
			if (!fd_backs(fds[i],
				      h->payload.memory.regions[i].mmap_offset,
				      h->payload.memory.regions[i].size))
				return "a memory region larger than its file";
		return NULL;
	case VZC_VHOST_USER_ADD_MEM_REG:
		if (h->size < sizeof(h->payload.mem_reg) || nfds != 1 ||
		    !fd_backs(fds[0], h->payload.mem_reg.region.mmap_offset,
			      h->payload.mem_reg.region.size))
			return "a memory region larger than its file";
		return NULL;
	case VZC_VHOST_USER_SET_LOG_BASE:
	case VZC_VHOST_USER_SET_INFLIGHT_FD:
		if (h->size < sizeof(h->payload.mmap) || nfds != 1 ||
		    !fd_backs(fds[0], h->payload.mmap.mmap_offset,
			      h->payload.mmap.mmap_size))
			return h->request == VZC_VHOST_USER_SET_LOG_BASE ?
				"a dirty log larger than its file" :
				"an inflight area larger than its file";
		return NULL;
	default:
		return NULL;
	}
}

/*
 * Refuse a message the library must not act on: its fds are closed here
 * (the library leaves them to a handler that says it handled the
 * message). Without REPLY_ACK the library then closes the connection;
 * with it the front-end is told, and every later message of that
 * connection is refused too, so nothing it sends is acted on.
 */
static enum rte_vhost_msg_result
refuse_msg(struct vhostzc_internal *in, int vid,
	   const struct vzc_vhost_user_hdr *h, void *msg, const char *why)
{
	int nfds, *fds = vzc_vhost_msg_fds(msg, &nfds), i;

	for (i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	pthread_mutex_lock(&in->ctl);
	in->stats.msg_refused++;
	in->refused_vid = vid;
	pthread_mutex_unlock(&in->ctl);
	VHOSTZC_LOG(ERR, "port %u: vhost-user message %u refused: %s; "
		    "dropping the front-end", in->port_id, h->request, why);
	return RTE_VHOST_MSG_RESULT_ERR;
}

static bool
msg_changes_nothing(uint32_t request)
{
	switch (request) {
	case VZC_VHOST_USER_GET_FEATURES:
	case VZC_VHOST_USER_GET_PROTOCOL_FEATURES:
	case VZC_VHOST_USER_GET_QUEUE_NUM:
	case VZC_VHOST_USER_SEND_RARP:
	case VZC_VHOST_USER_GET_CONFIG:
	case VZC_VHOST_USER_GET_INFLIGHT_FD:
	case VZC_VHOST_USER_GET_STATUS:
		return true;
	default:
		return false;
	}
}

/*
 * Before the library acts on a message: stop rings that are being stopped
 * (returning every lent descriptor), then pause all our queues. Pausing
 * waits only for a burst in progress, never for the application.
 */
static enum rte_vhost_msg_result
vhostzc_pre_msg(int vid, void *msg)
{
	const struct vzc_vhost_user_hdr *h = msg;
	struct vhostzc_internal *in;
	const char *why;

	if (msg_changes_nothing(h->request))
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	in = find_internal(vid);
	if (in == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	why = msg_files_bad(h, msg);
	if (why == NULL && in->refused_vid == vid)
		why = "an earlier message of this connection was refused";
	if (why != NULL)
		return refuse_msg(in, vid, h, msg, why);

	pthread_mutex_lock(&in->ctl);
	VHOSTZC_LOG(DEBUG, "port %u: message %u (running %d paused %d)",
		    in->port_id, h->request, in->running, in->paused);
	/* The library is about to unmap what these guard. */
	if (h->request == VZC_VHOST_USER_SET_MEM_TABLE ||
	    h->request == VZC_VHOST_USER_SET_LOG_BASE ||
	    h->request == VZC_VHOST_USER_RESET_OWNER)
		lib_guards_clear(in);
	if (in->running && !in->paused) {
		/*
		 * The first GET_VRING_BASE of a running device makes the
		 * library destroy the device before the other rings are
		 * asked for: stop all our rings now, while they are mapped,
		 * so that every ring's base is right when it is asked for.
		 */
		if (h->request == VZC_VHOST_USER_GET_VRING_BASE ||
		    h->request == VZC_VHOST_USER_RESET_OWNER)
			device_stop_rings(in);
		vhostzc_queues_detach_all(in, false);
		in->paused = true;
	}
	pthread_mutex_unlock(&in->ctl);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

/* After the library acted: take fresh ring addresses and memory, resume. */
static enum rte_vhost_msg_result
vhostzc_post_msg(int vid, void *msg)
{
	const struct vzc_vhost_user_hdr *h = msg;
	struct vhostzc_internal *in;

	if (msg_changes_nothing(h->request))
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	in = find_internal(vid);
	if (in == NULL)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;

	pthread_mutex_lock(&in->ctl);
	if (h->request == VZC_VHOST_USER_SET_MEM_TABLE ||
	    h->request == VZC_VHOST_USER_SET_LOG_BASE)
		lib_guards_set(in, vid);
	if (in->paused) {
		in->paused = false;
		if (in->running) {
			if (h->request == VZC_VHOST_USER_SET_MEM_TABLE)
				refresh_memgen(in);
			rte_vhost_get_negotiated_features(vid, &in->features);
			vhostzc_queues_sync(in);
		}
	}
	pthread_mutex_unlock(&in->ctl);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops vhostzc_extern_ops = {
	.pre_msg_handle = vhostzc_pre_msg,
	.post_msg_handle = vhostzc_post_msg,
};

static int
vhostzc_new_connection(int vid)
{
	struct vhostzc_internal *in = find_internal(vid);

	if (in == NULL)
		return -1;
	VHOSTZC_LOG(INFO, "port %u: front-end connected (vid %d)",
		    in->port_id, vid);
	/* Guards of this connection's memory name it: a late fault drops it
	 * only, never a front-end that came after.
	 */
	pthread_mutex_lock(&in->ctl);
	in->conn = in->owner << 20 | (++in->conn_seq & 0xfffff);
	in->refused_vid = -1;
	pthread_mutex_unlock(&in->ctl);
	if (rte_vhost_extern_callback_register(vid, &vhostzc_extern_ops, in) != 0) {
		VHOSTZC_LOG(ERR, "port %u: cannot hook vhost-user messages",
			    in->port_id);
		return -1;
	}
	return 0;
}

static void
vhostzc_destroy_connection(int vid)
{
	struct vhostzc_internal *in = find_internal(vid);

	if (in == NULL)
		return;
	/* The library unmaps this front-end's memory next. */
	pthread_mutex_lock(&in->ctl);
	lib_guards_clear(in);
	pthread_mutex_unlock(&in->ctl);
	VHOSTZC_LOG(INFO, "port %u: front-end disconnected", in->port_id);
}

/*
 * A guest that negotiated VIRTIO_NET_F_MTU (QEMU host_mtu=) sends and
 * takes frames up to its MTU: the port reports it, and refuses a larger
 * one (mtu_set). in->ctl held.
 */
static void
guest_mtu_update(struct vhostzc_internal *in, int vid)
{
	uint16_t mtu = 0;

	if ((in->features & (1ULL << VIRTIO_NET_F_MTU)) == 0 ||
	    rte_vhost_get_mtu(vid, &mtu) != 0)
		mtu = 0;
	if (mtu != 0 && mtu != in->guest_mtu)
		VHOSTZC_LOG(NOTICE, "port %u: the guest's MTU is %u",
			    in->port_id, mtu);
	in->guest_mtu = mtu;
	if (mtu != 0)
		in->eth_dev->data->mtu = mtu;
}

static int
vhostzc_new_device(int vid)
{
	struct vhostzc_internal *in = find_internal(vid);
	uint16_t i, nr;

	if (in == NULL)
		return -1;
	pthread_mutex_lock(&in->ctl);
	in->vid = vid;
	rte_vhost_get_negotiated_features(vid, &in->features);
	lib_guards_set(in, vid);
	refresh_memgen(in);
	guest_mtu_update(in, vid);
	nr = rte_vhost_get_vring_num(vid);
	/* We poll: no kicks from the guest for any ring. */
	for (i = 0; i < nr; i++)
		rte_vhost_enable_guest_notification(vid, i, 0);
	in->running = true;
	in->paused = false;
	in->stats.connects++;
	vhostzc_queues_sync(in);
	vhostzc_txqs_update(in);
	pthread_mutex_unlock(&in->ctl);

	VHOSTZC_LOG(INFO, "port %u: device %d running, %u rings",
		    in->port_id, vid, nr);
	lsc_event(in, true);
	return 0;
}

static void
vhostzc_destroy_device(int vid)
{
	struct vhostzc_internal *in = find_internal(vid);
	bool rings_were_on = false;
	size_t i;

	if (in == NULL)
		return;
	pthread_mutex_lock(&in->ctl);
	in->running = false;
	vhostzc_queues_detach_all(in, true);
	vhostzc_txqs_update(in);
	if (in->mem != NULL) {
		vhostzc_memgen_put(in->mem);
		in->mem = NULL;
	}
	for (i = 0; i < RTE_DIM(in->vring_enabled); i++)
		rings_were_on |= in->vring_enabled[i];
	memset(in->vring_enabled, 0, sizeof(in->vring_enabled));
	in->guest_mtu = 0;
	pthread_mutex_unlock(&in->ctl);
	/* No ring lock is held here: safe to wait for transmit bursts. */
	vhostzc_txqs_quiesce(in);

	VHOSTZC_LOG(INFO, "port %u: device %d stopped", in->port_id, vid);
	if (rings_were_on)
		rte_eth_dev_callback_process(in->eth_dev,
					     RTE_ETH_EVENT_QUEUE_STATE, NULL);
	lsc_event(in, false);
}

static int
vhostzc_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct vhostzc_internal *in = find_internal(vid);
	bool changed;

	if (in == NULL)
		return -1;
	pthread_mutex_lock(&in->ctl);
	changed = vring < RTE_DIM(in->vring_enabled) &&
		in->vring_enabled[vring] != (enable != 0);
	if (vring < RTE_DIM(in->vring_enabled))
		in->vring_enabled[vring] = enable != 0;
	/* Only where the library cannot be told our queue count (22.11). */
	if (enable && vring >= 2 * in->max_queues && !VZC_HAVE_MAX_QUEUE_NUM)
		VHOSTZC_LOG(WARNING, "port %u: guest enabled ring %u, beyond the "
			    "port's %u queue pairs: it gets no service",
			    in->port_id, vring, in->max_queues);
	if (in->running && !in->paused)
		vhostzc_queues_sync(in);
	pthread_mutex_unlock(&in->ctl);
	/* Unlocked: the application's callback reads the event (in->ctl). */
	if (changed)
		rte_eth_dev_callback_process(in->eth_dev,
					     RTE_ETH_EVENT_QUEUE_STATE, NULL);
	return 0;
}

static int
vhostzc_features_changed(int vid, uint64_t features)
{
	struct vhostzc_internal *in = find_internal(vid);

	if (in == NULL)
		return -1;
	pthread_mutex_lock(&in->ctl);
	in->features = features;
	/* Dirty logging may have been switched: reattach to pick it up. */
	if (in->running && !in->paused)
		vhostzc_queues_sync(in);
	pthread_mutex_unlock(&in->ctl);
	return 0;
}

static const struct rte_vhost_device_ops vhostzc_vhost_ops = {
	.new_device = vhostzc_new_device,
	.destroy_device = vhostzc_destroy_device,
	.vring_state_changed = vhostzc_vring_state_changed,
	.features_changed = vhostzc_features_changed,
	.new_connection = vhostzc_new_connection,
	.destroy_connection = vhostzc_destroy_connection,
};

/*
 * Register and start the port's vhost-user socket. Zero-copy receive
 * speaks guest-physical addresses only: a vIOMMU is never offered;
 * packed rings unless packed_vq=0, IN_ORDER unless in_order=0 (lent
 * chains complete out of order: an order queue and early returns keep
 * it, see vhostzc_rxtx.c). Memory
 * regions added and removed one by one (ADD/REM_MEM_REG, 26.07's
 * lib/vhost) would change guest memory without the SET_MEM_TABLE our own
 * mappings follow: never offered either, so every front-end sends whole
 * tables (doc/design.md).
 */
static int
socket_open(struct vhostzc_internal *in)
{
	uint64_t disable, pf;

	if (rte_vhost_driver_register(in->iface, in->vhost_flags) != 0)
		return -EIO;
	in->registered = true;
	disable = 1ULL << VIRTIO_F_IOMMU_PLATFORM;
	/*
	 * DMA-mapped pages are never frozen, so no chain could be handed
	 * back early: there IN_ORDER would cost zero-copy. The NICs are
	 * probed before virtual devices, so this is known now.
	 */
	if (in->in_order && vhostzc_memgen_dma_needed()) {
		VHOSTZC_LOG(NOTICE, "port %u: IN_ORDER not offered: guest memory "
			    "is DMA-mapped for a VFIO device here, where lent "
			    "chains cannot be handed back early", in->port_id);
		in->in_order = false;
	}
	if (!in->in_order)
		disable |= 1ULL << VIRTIO_F_IN_ORDER;
	if (!in->packed_vq)
		disable |= 1ULL << VIRTIO_F_RING_PACKED;
	if (!in->tso)
		disable |= (1ULL << VIRTIO_NET_F_HOST_TSO4) |
			(1ULL << VIRTIO_NET_F_HOST_TSO6);
	if (rte_vhost_driver_get_protocol_features(in->iface, &pf) != 0 ||
	    rte_vhost_driver_set_protocol_features(in->iface, pf &
		~(1ULL << VZC_VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) != 0 ||
	    vzc_vhost_set_max_queues(in->iface, in->max_queues) != 0 ||
	    rte_vhost_driver_disable_features(in->iface, disable) != 0 ||
	    rte_vhost_driver_callback_register(in->iface,
					       &vhostzc_vhost_ops) != 0 ||
	    rte_vhost_driver_start(in->iface) != 0) {
		rte_vhost_driver_unregister(in->iface);
		in->registered = false;
		return -EIO;
	}
	return 0;
}

/*
 * Unregister the socket: closes any connection (destroy_device runs) and
 * the library unmaps its view of the memory, so its guards go first.
 * Not under in->ctl: unregister may wait for the vhost thread, which may
 * be inside one of our callbacks waiting for in->ctl.
 */
static void
socket_close(struct vhostzc_internal *in)
{
	if (!in->registered)
		return;
	pthread_mutex_lock(&in->ctl);
	in->closing = true;
	lib_guards_clear(in);
	pthread_mutex_unlock(&in->ctl);
	if (rte_vhost_driver_unregister(in->iface) != 0)
		VHOSTZC_LOG(ERR, "port %u: cannot unregister %s",
			    in->port_id, in->iface);
	in->registered = false;
	pthread_mutex_lock(&in->ctl);
	in->closing = false;
	pthread_mutex_unlock(&in->ctl);
}

/*
 * Drop the front-end connection `conn` names (its memory faulted), if it is
 * still the port's: reopen the socket, which closes the connection; the
 * port then waits for the next front-end as after a disconnect. EAL
 * interrupt thread.
 */
static void
conn_drop(uint64_t conn)
{
	struct vhostzc_internal *in = NULL;
	struct vhostzc_entry *e;

	pthread_mutex_lock(&vhostzc_drop_lock);
	pthread_mutex_lock(&vhostzc_ports_lock);
	TAILQ_FOREACH(e, &vhostzc_ports, next) {
		if (e->in->conn == conn && e->in->registered) {
			in = e->in;
			break;
		}
	}
	pthread_mutex_unlock(&vhostzc_ports_lock);
	if (in != NULL) {
		VHOSTZC_LOG(WARNING, "port %u: front-end dropped", in->port_id);
		socket_close(in);
		if (socket_open(in) != 0)
			VHOSTZC_LOG(ERR, "port %u: cannot reopen %s", in->port_id,
				    in->iface);
	}
	pthread_mutex_unlock(&vhostzc_drop_lock);
}

/* A SIGBUS was caught in guest memory of the connection `conn` names. */
static void
guard_fault(uint64_t conn, uint32_t faults)
{
	struct vhostzc_entry *e;
	bool current = false;

	pthread_mutex_lock(&vhostzc_ports_lock);
	TAILQ_FOREACH(e, &vhostzc_ports, next) {
		struct vhostzc_internal *in = e->in;

		if (in->owner != conn >> 20)
			continue;
		/* Under the list lock: the port cannot go meanwhile. */
		in->stats.mem_faults += faults;
		current = in->conn == conn;
		VHOSTZC_LOG(ERR, "port %u: %s front-end's memory lost its "
			    "backing (SIGBUS, %u); zero pages mapped over it",
			    in->port_id, current ? "the" : "an earlier", faults);
		break;
	}
	pthread_mutex_unlock(&vhostzc_ports_lock);
	if (current)
		conn_drop(conn);
}

int
vhostzc_vhost_register(struct vhostzc_internal *in)
{
	struct vhostzc_entry *e;
	size_t i;
	int ret;

	ret = vhostzc_guard_init(guard_fault);
	if (ret != 0) {
		VHOSTZC_LOG(ERR, "cannot install the guest memory guard: %s",
			    strerror(-ret));
		return ret;
	}
	e = rte_zmalloc("vhostzc_entry", sizeof(*e), 0);
	if (e == NULL)
		return -ENOMEM;
	in->owner = vzc_atomic_add_fetch(&vhostzc_owners, 1, VZC_RELAXED);
	in->refused_vid = -1;
	for (i = 0; i < RTE_DIM(in->lib_guard); i++)
		in->lib_guard[i] = -1;
	e->in = in;
	pthread_mutex_lock(&vhostzc_ports_lock);
	TAILQ_INSERT_TAIL(&vhostzc_ports, e, next);
	pthread_mutex_unlock(&vhostzc_ports_lock);

	ret = socket_open(in);
	if (ret != 0) {
		pthread_mutex_lock(&vhostzc_ports_lock);
		TAILQ_REMOVE(&vhostzc_ports, e, next);
		pthread_mutex_unlock(&vhostzc_ports_lock);
		rte_free(e);
	}
	return ret;
}

void
vhostzc_vhost_unregister(struct vhostzc_internal *in)
{
	struct vhostzc_entry *e;

	pthread_mutex_lock(&vhostzc_drop_lock);
	socket_close(in);
	pthread_mutex_lock(&vhostzc_ports_lock);
	TAILQ_FOREACH(e, &vhostzc_ports, next) {
		if (e->in == in) {
			TAILQ_REMOVE(&vhostzc_ports, e, next);
			rte_free(e);
			break;
		}
	}
	pthread_mutex_unlock(&vhostzc_ports_lock);
	pthread_mutex_unlock(&vhostzc_drop_lock);
}
