/**
 * End-to-end tests of the extension embedded in a test application.
 */
package io.quarkiverse.llmd.it;
