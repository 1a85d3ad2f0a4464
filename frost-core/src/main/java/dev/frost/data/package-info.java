/** In-memory datasets with stable example indices (the activation cache keys on them) and seeded epoch orders. */
package dev.frost.data;
