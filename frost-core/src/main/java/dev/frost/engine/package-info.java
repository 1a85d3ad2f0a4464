/** The only place that talks to DJL's engine directly: loading libtorch offline, seeding, autograd mode. */
package dev.frost.engine;
