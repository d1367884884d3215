/** The console's stylesheet (inline in the page: nothing is loaded from elsewhere). */
export const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d232a; background: #f4f6f8; }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #1d232a; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
.panel { background: #fff; margin: 1rem 1.2rem; padding: .8rem 1rem; border-radius: 6px; box-shadow: 0 1px 2px #0002; }
h2 { font-size: 1rem; margin: 0 0 .6rem; }
h3 { font-size: .95rem; margin: .8rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e7eb; vertical-align: top; }
tbody tr.event { cursor: pointer; }
tbody tr.event:hover, tbody tr.selected { background: #eef4ff; }
form#filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: .6rem; }
label { display: inline-flex; gap: .3rem; align-items: center; }
button { font: inherit; padding: .25rem .7rem; border: 1px solid #8a96a3; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef1f4; }
pre { background: #f6f8fa; padding: .6rem; overflow: auto; max-height: 24rem; white-space: pre-wrap; word-break: break-word; }
.badge { display: inline-block; padding: 0 .4rem; margin: 0 .3rem .2rem 0; border-radius: 3px; font-size: .85em; background: #e3e7eb; }
.s-delivered { background: #cdebd3; } .s-retrying, .s-queued { background: #fdeccb; }
.s-dead { background: #f6c9c9; } .s-paused, .s-waiting { background: #d6dcf5; } .s-filtered, .s-skipped { background: #e8e8e8; }
.error { color: #b3261e; }
.note { font-size: .85em; color: #4a5561; font-family: ui-monospace, monospace; }
button.danger { border-color: #b3261e; color: #b3261e; }
#chart { margin: 0; } #chart svg { width: 100%; height: 170px; display: block; }
.legend span { margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
#status { margin: 0 1.2rem 1rem; color: #4a5561; }
`;
