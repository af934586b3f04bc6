// 齐鲁工惠商家端. Routing decisions live in the pages (the login page is the entry).
App({
  onLaunch: function () {
    if (wx.getUpdateManager) {
      const updater = wx.getUpdateManager();
      updater.onUpdateReady(function () {
        wx.showModal({
          title: '更新提示',
          content: '新版本已准备好，是否重启应用？',
          success: function (res) { if (res.confirm) updater.applyUpdate(); }
        });
      });
    }
  }
});
