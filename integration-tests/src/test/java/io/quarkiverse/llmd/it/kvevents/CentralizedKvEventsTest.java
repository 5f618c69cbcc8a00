package io.quarkiverse.llmd.it.kvevents;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Centralized mode: every pod connects to the one socket the gateway binds. */
@QuarkusTest
@TestProfile(KvEventsProfiles.Centralized.class)
class CentralizedKvEventsTest extends KvEventRoutingTestBase {
}
