/** Self-contained SVG charts for reports and benchmark plots. */
package dev.frost.charts;
