package io.quarkiverse.llmd.it.kvevents;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Per-pod mode: the gateway connects to each endpoint of the pool as it comes and goes. */
@QuarkusTest
@TestProfile(KvEventsProfiles.PerPod.class)
class PerPodKvEventsTest extends KvEventRoutingTestBase {
}
